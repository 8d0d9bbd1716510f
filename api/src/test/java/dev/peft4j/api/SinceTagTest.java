package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.doctree.DocTree;
import com.sun.source.doctree.SinceTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public type and every public or protected member of the API (outside
 * {@code dev.peft4j.api.internal}) says since which API version it exists ({@code @since 1.0}, an
 * {@link ApiVersion}, not the artifact version), so that plugin authors can tell which version
 * they need. Overrides inherit the tag of the method they override.
 */
class SinceTagTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/peft4j/api");

    @Test
    void everyPublicDeclarationOfTheApiHasASinceTag() throws IOException {
        assertThat(SOURCES).as("API sources, relative to the api module").isDirectory();
        assertThat(missingSince(SOURCES))
                .as("public API declarations without a valid @since (add '@since %d.%d' for new ones)",
                        ApiVersion.MAJOR, ApiVersion.MINOR)
                .isEmpty();
    }

    @Test
    void reportsExactlyTheApiDeclarationsWithoutATag(@TempDir Path root) throws IOException {
        String tag = "/**\n * Documented.\n *\n * @since 1.0\n */\n";
        Files.writeString(root.resolve("Sample.java"), "package x;\n" + tag
                + "public interface Sample {\n"
                + "    /** Implicitly public, untagged. */\n"
                + "    void untagged();\n"
                + tag + "    void tagged();\n"
                + "    private void hidden() {}\n"
                + "}\n"
                + "class PackagePrivate { public void notApi() {} }\n");
        Files.writeString(root.resolve("Base.java"), "package x;\n"
                + "/** A type without a tag. */\n"
                + "public abstract class Base {\n"
                + "    protected Base() {}\n"
                + tag + "    protected abstract void hook();\n"
                + "    @Override public String toString() { return \"\"; }\n"
                + "    public static final int LIMIT = 1;\n"
                + "    private int count;\n"
                + "    /**\n     * The artifact's version, not the API's.\n     *\n     * @since 0.1\n     */\n"
                + "    public static final int LEGACY = 2;\n"
                + tag + "    public enum Kind { A }\n"
                + tag + "    public record Pair(int left, int right) {}\n"
                + "}\n");
        Files.createDirectories(root.resolve("internal"));
        Files.writeString(root.resolve("internal/Helper.java"),
                "package x.internal;\npublic final class Helper { public static void help() {} }\n");

        assertThat(missingSince(root))
                .extracting(entry -> entry.substring(entry.indexOf(' ') + 1))
                .containsExactlyInAnyOrder("untagged()", "Base", "<init>()", "LIMIT", "A",
                        "LEGACY (@since 0.1 is no API version from 1.0 to " + ApiVersion.CURRENT + ")");
    }

    /** Whether {@code text} names an API version that exists: {@code major.minor}, 1.0 to the current one. */
    private static boolean isApiVersion(String text) {
        if (!text.matches("\\d+\\.\\d+")) {
            return false;
        }
        ApiVersion version = ApiVersion.parse(text);
        return version.compareTo(new ApiVersion(1, 0)) >= 0 && version.compareTo(ApiVersion.CURRENT) <= 0;
    }

    /** The API declarations under {@code root}, outside {@code root/internal}, without {@code @since}. */
    private static List<String> missingSince(Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(root)) {
            files = paths.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                    .filter(p -> !root.relativize(p).startsWith("internal"))
                    .sorted()
                    .collect(Collectors.toList());
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<String> missing = new ArrayList<>();
        try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(null, null, null)) {
            Iterable<? extends JavaFileObject> units = fileManager.getJavaFileObjectsFromPaths(files);
            JavacTask task = (JavacTask) compiler.getTask(null, fileManager, null, List.of("-proc:none"), null, units);
            DocTrees docTrees = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                new MissingSinceScanner(docTrees, unit, missing).scan(unit, null);
            }
        }
        return missing;
    }

    /** Collects the API declarations whose Javadoc lacks {@code @since}. */
    private static final class MissingSinceScanner extends TreePathScanner<Void, Void> {
        private final DocTrees docTrees;
        private final CompilationUnitTree unit;
        private final List<String> missing;

        MissingSinceScanner(DocTrees docTrees, CompilationUnitTree unit, List<String> missing) {
            this.docTrees = docTrees;
            this.unit = unit;
            this.missing = missing;
        }

        @Override
        public Void visitClass(ClassTree type, Void unused) {
            if (!isApi(getCurrentPath())) {
                return null;
            }
            check(type.getSimpleName().toString());
            return super.visitClass(type, unused);
        }

        @Override
        public Void visitMethod(MethodTree method, Void unused) {
            boolean override = method.getModifiers().getAnnotations().stream()
                    .anyMatch(a -> a.getAnnotationType().toString().endsWith("Override"));
            if (isApi(getCurrentPath()) && !override) {
                check(method.getName() + "()");
            }
            return null;
        }

        @Override
        public Void visitVariable(VariableTree field, Void unused) {
            if (isApi(getCurrentPath())) {
                check(field.getName().toString());
            }
            return null;
        }

        private void check(String name) {
            DocCommentTree doc = docTrees.getDocCommentTree(getCurrentPath());
            List<String> versions = doc == null ? List.of() : doc.getBlockTags().stream()
                    .filter(t -> t.getKind() == DocTree.Kind.SINCE)
                    .map(t -> ((SinceTree) t).getBody().toString().trim())
                    .collect(Collectors.toList());
            if (!versions.isEmpty() && versions.stream().allMatch(SinceTagTest::isApiVersion)) {
                return;
            }
            String problem = versions.isEmpty() ? ""
                    : " (@since " + String.join(", ", versions) + " is no API version from 1.0 to "
                            + ApiVersion.CURRENT + ")";
            long line = unit.getLineMap().getLineNumber(
                    docTrees.getSourcePositions().getStartPosition(unit, getCurrentPath().getLeaf()));
            missing.add(Path.of(unit.getSourceFile().toUri()).getFileName() + ":" + line + " " + name + problem);
        }

        /**
         * Whether the declaration at {@code path} is visible to plugins: public or protected (or
         * implicitly public in an interface), in a type that is itself API.
         */
        private static boolean isApi(TreePath path) {
            Tree leaf = path.getLeaf();
            TreePath parent = path.getParentPath();
            if (!(parent.getLeaf() instanceof ClassTree)) {
                // A top-level type (its parent is the compilation unit); locals and parameters are not API.
                return leaf instanceof ClassTree && isPublicOrProtected(((ClassTree) leaf).getModifiers());
            }
            ClassTree owner = (ClassTree) parent.getLeaf();
            if (!isApi(parent)) {
                return false;
            }
            ModifiersTree modifiers = modifiers(leaf);
            if (modifiers == null) {
                return false;
            }
            Set<Modifier> flags = modifiers.getFlags();
            boolean inInterface = owner.getKind() == Tree.Kind.INTERFACE
                    || owner.getKind() == Tree.Kind.ANNOTATION_TYPE;
            if (leaf instanceof VariableTree && owner.getKind() == Tree.Kind.RECORD
                    && !flags.contains(Modifier.STATIC)) {
                return false; // a record component: the record's own @param documents it
            }
            // Enum constants parse as public static final fields.
            return isPublicOrProtected(modifiers) || (inInterface && !flags.contains(Modifier.PRIVATE));
        }

        private static boolean isPublicOrProtected(ModifiersTree modifiers) {
            return modifiers.getFlags().contains(Modifier.PUBLIC) || modifiers.getFlags().contains(Modifier.PROTECTED);
        }

        private static @Nullable ModifiersTree modifiers(Tree tree) {
            if (tree instanceof ClassTree) {
                return ((ClassTree) tree).getModifiers();
            }
            if (tree instanceof MethodTree) {
                return ((MethodTree) tree).getModifiers();
            }
            if (tree instanceof VariableTree) {
                return ((VariableTree) tree).getModifiers();
            }
            return null;
        }
    }
}
