package dev.peft4j.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parses every manifest of deploy/k8s into the Kubernetes API types (fabric8 kubernetes-model,
 * Kubernetes 1.30) and fails on an unknown field or a value of the wrong type, then checks what
 * the types cannot: the Indexed Job's shard count, the volumes and claims the pods name, and that
 * the report Job reads the folder the compare Job writes.
 */
class ManifestsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
            "batch/v1 Job", Job.class,
            "v1 PersistentVolumeClaim", PersistentVolumeClaim.class,
            "v1 Pod", Pod.class);

    private static List<HasMetadata> resources;

    @BeforeAll
    static void parseAll() throws IOException {
        Path folder = Path.of(System.getProperty("manifests", ".."));
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).as("manifests in %s", folder).isNotEmpty();
        resources = new ArrayList<>();
        for (Path file : files) {
            resources.addAll(parse(Files.readString(file), file.getFileName().toString()));
        }
    }

    /** Every document of a YAML file, as its Kubernetes type; unknown kinds and fields fail. */
    static List<HasMetadata> parse(String yaml, String source) throws IOException {
        List<HasMetadata> parsed = new ArrayList<>();
        for (JsonNode document : YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
            if (document == null || document.isNull()) {
                continue;
            }
            String type = document.path("apiVersion").asText() + " " + document.path("kind").asText();
            Class<? extends HasMetadata> kind = TYPES.get(type);
            if (kind == null) {
                throw new AssertionError(source + ": no type known for '" + type + "'; add it to TYPES");
            }
            HasMetadata resource = YAML.treeToValue(document, kind);
            // fabric8 keeps unknown fields in additionalProperties instead of failing: look for them
            List<String> unknown = new ArrayList<>();
            findUnknownFields(resource, type, unknown);
            if (!unknown.isEmpty()) {
                throw new AssertionError(source + ": unknown field(s) " + unknown);
            }
            parsed.add(resource);
        }
        return parsed;
    }

    private static void findUnknownFields(Object value, String path, List<String> unknown) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> findUnknownFields(v, path + "." + k, unknown));
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                findUnknownFields(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new AssertionError("Cannot read " + path + " through " + getter, e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                }
            } else {
                String name = getter.getName().substring(3);
                findUnknownFields(field, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1),
                        unknown);
            }
        }
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        return resources.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("No " + type.getSimpleName() + " named " + name));
    }

    private static List<PodSpec> podSpecs() {
        List<PodSpec> specs = new ArrayList<>();
        for (HasMetadata r : resources) {
            if (r instanceof Job job) {
                specs.add(job.getSpec().getTemplate().getSpec());
            } else if (r instanceof Pod pod) {
                specs.add(pod.getSpec());
            }
        }
        return specs;
    }

    private static String script(Container container) {
        return Stream.concat(container.getCommand().stream(), container.getArgs().stream())
                .collect(Collectors.joining(" "));
    }

    private static String resultsFolder(Container container) {
        Matcher m = Pattern.compile("--results[ =]\"?([^\" ]+)").matcher(script(container));
        assertThat(m.find()).as("--results in %s", script(container)).isTrue();
        return m.group(1);
    }

    @Test
    void everyManifestIsKnownToTheApi() {
        assertThat(resources).extracting(r -> r.getKind() + "/" + r.getMetadata().getName())
                .containsExactlyInAnyOrder("Job/peft4j-compare", "Job/peft4j-report",
                        "PersistentVolumeClaim/peft4j", "Pod/peft4j-shell");
    }

    @Test
    void theCompareJobGivesEachIndexItsShard() {
        Job job = one(Job.class, "peft4j-compare");
        assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
        Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        String shards = container.getEnv().stream().filter(e -> e.getName().equals("SHARDS"))
                .map(EnvVar::getValue).findFirst().orElseThrow();
        assertThat(Integer.parseInt(shards)).as("SHARDS = completions").isEqualTo(job.getSpec().getCompletions());
        assertThat(job.getSpec().getParallelism()).isBetween(1, job.getSpec().getCompletions());
        assertThat(script(container)).contains("--shard \"$((JOB_COMPLETION_INDEX + 1))/$SHARDS\"");
        // a pod failure policy requires Never
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getSpec().getPodFailurePolicy().getRules()).anySatisfy(rule -> {
            assertThat(rule.getAction()).isEqualTo("Ignore");
            assertThat(rule.getOnPodConditions()).anySatisfy(c -> assertThat(c.getType()).isEqualTo("DisruptionTarget"));
        });
        // the libtorch thread count follows the CPU limit
        assertThat(container.getEnv()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo(
                "-Dai.djl.pytorch.num_threads=$(CPUS)"));
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("CPUS");
            assertThat(e.getValueFrom().getResourceFieldRef().getResource()).isEqualTo("limits.cpu");
        });
    }

    @Test
    void theReportReadsWhatTheShardsWrite() {
        Container compare = one(Job.class, "peft4j-compare").getSpec().getTemplate().getSpec().getContainers().get(0);
        Container report = one(Job.class, "peft4j-report").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(report.getArgs()).startsWith("report");
        assertThat(resultsFolder(report)).isEqualTo(resultsFolder(compare));
    }

    @Test
    void podsMountOnlyTheirVolumesAndClaimsThatExist() {
        Set<String> claims = resources.stream().filter(PersistentVolumeClaim.class::isInstance)
                .map(r -> r.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
        for (PodSpec spec : podSpecs()) {
            Set<String> volumes = spec.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
            for (Container c : spec.getContainers()) {
                assertThat(c.getVolumeMounts()).extracting(VolumeMount::getName).allMatch(volumes::contains);
                if (c.getResources() != null && c.getResources().getLimits() != null) {
                    c.getResources().getLimits().values()
                            .forEach(q -> assertThat(Quantity.getAmountInBytes(q)).isPositive());
                }
            }
            spec.getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null)
                    .forEach(v -> assertThat(claims).contains(v.getPersistentVolumeClaim().getClaimName()));
        }
        PersistentVolumeClaim claim = one(PersistentVolumeClaim.class, "peft4j");
        assertThat(claim.getSpec().getAccessModes()).as("pods on several nodes write").contains("ReadWriteMany");
    }

    @Test
    void aMisspeltFieldIsRefused() {
        String yaml = """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: x}
                spec:
                  completionsMode: Indexed
                  template: {spec: {containers: [{name: c, image: i}]}}
                """;
        assertThatThrownBy(() -> parse(yaml, "test")).hasMessageContaining("batch/v1 Job.spec.completionsMode");
    }

    @Test
    void aNestedMisspeltFieldIsRefused() {
        String yaml = """
                apiVersion: v1
                kind: Pod
                metadata: {name: x}
                spec:
                  containers: [{name: c, image: i, volumeMount: []}]
                """;
        assertThatThrownBy(() -> parse(yaml, "test")).hasMessageContaining("containers[0].volumeMount");
    }

    @Test
    void aValueOfTheWrongTypeIsRefused() {
        String yaml = """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: x}
                spec: {completions: four}
                """;
        assertThatThrownBy(() -> parse(yaml, "test")).isInstanceOf(IOException.class).hasMessageContaining("four");
    }
}
