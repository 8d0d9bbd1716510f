package dev.peft4j.harness.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.peft4j.api.PeftException;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.task.SplitSource;
import dev.peft4j.harness.task.SuperGlueTasks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLocatorTest {

    private static final String CB_LINE =
            "{\"premise\": \"p\", \"hypothesis\": \"h\", \"label\": \"neutral\", \"idx\": 0}\n";

    @TempDir
    Path temp;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] zip;
    private String baseUrl;

    @BeforeEach
    void startServer() throws IOException {
        zip = zip(Map.of("CB/train.jsonl", CB_LINE, "CB/val.jsonl", CB_LINE + CB_LINE.replace("0}", "1}")));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/", exchange -> {
            requests.incrementAndGet();
            if (exchange.getRequestURI().getPath().equals("/v2/CB.zip")) {
                exchange.sendResponseHeaders(200, zip.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(zip);
                }
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.start();
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/v2";
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private static byte[] zip(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("CB/"));
            out.closeEntry();
            for (Map.Entry<String, String> file : new java.util.TreeMap<>(files).entrySet()) {
                out.putNextEntry(new ZipEntry(file.getKey()));
                out.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private DataLocator.Builder downloading() {
        return DataLocator.builder().optEnvironment(Map.of()).optCacheFolder(temp.resolve("cache")).optBaseUrl(baseUrl);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void downloadsOnceRecordsChecksumAndExtractsAtomically() throws Exception {
        Path val = downloading().build().locate(SuperGlueTasks.cb(), "val");
        Path cache = temp.resolve("cache");
        assertThat(val).isEqualTo(cache.resolve("superglue/CB/val.jsonl"));
        assertThat(SuperGlueTasks.cb().load("val", val)).hasSize(2);
        assertThat(Files.readString(cache.resolve("archives/CB.zip.sha256")))
                .isEqualTo(sha256(zip) + "  CB.zip\n");
        try (var left = Files.list(cache.resolve("superglue"))) {
            assertThat(left).containsExactly(cache.resolve("superglue/CB")); // no temporary folders left
        }
        try (var left = Files.list(cache.resolve("archives"))) {
            assertThat(left).hasSize(2); // the archive and its checksum, no partial download
        }
        // A later run reuses the cache and verifies the archive without contacting the server.
        Path train = downloading().build().locate(SuperGlueTasks.cb(), "train");
        assertThat(train).hasContent(CB_LINE.trim());
        assertThat(requests).hasValue(1);
    }

    @Test
    void expectedChecksumIsEnforcedOnDownload() {
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> downloading().optExpectedChecksum("CB", wrong).build().locate(SuperGlueTasks.cb(), "val"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("Checksum mismatch for CB.zip")
                .hasMessageContaining("expected SHA-256 " + wrong + " but got ");
        assertThat(temp.resolve("cache/archives/CB.zip")).doesNotExist();
        assertThat(temp.resolve("cache/superglue/CB")).doesNotExist();
    }

    @Test
    void matchingExpectedChecksumPasses() throws Exception {
        Path val = downloading().optExpectedChecksum("CB", sha256(zip).toUpperCase(java.util.Locale.ROOT)).build()
                .locate(SuperGlueTasks.cb(), "val");
        assertThat(val).exists();
    }

    @Test
    void archiveChangedAfterFirstDownloadFailsOnLaterUse() throws Exception {
        downloading().build().locate(SuperGlueTasks.cb(), "val");
        Path archive = temp.resolve("cache/archives/CB.zip");
        Files.write(archive, zip(Map.of("CB/val.jsonl", "tampered")));
        assertThatThrownBy(() -> downloading().build().locate(SuperGlueTasks.cb(), "val"))
                .hasMessageContaining("Checksum mismatch for CB.zip")
                .hasMessageContaining("recorded at first download in " + archive + ".sha256 is " + sha256(zip))
                .hasMessageContaining("Delete " + archive);
    }

    @Test
    void serverErrorIsReportedWithUrlAndStatus() {
        assertThatThrownBy(() -> downloading().build().locate(SuperGlueTasks.rte(), "val"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("Download of " + baseUrl + "/RTE.zip failed: HTTP 404")
                .hasMessageContaining("PEFT4J_DATA");
        assertThat(temp.resolve("cache/archives/RTE.zip")).doesNotExist();
        try (var left = Files.list(temp.resolve("cache/archives"))) {
            assertThat(left).isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void missingFileInArchiveListsWhatIsThere() {
        assertThatThrownBy(() -> downloading().build().locate(SuperGlueTasks.cb(), "test"))
                .hasMessageContaining("The archive of CB has no test.jsonl; it holds [train.jsonl, val.jsonl]");
    }

    @Test
    void explicitFolderWinsAndNeverDownloads() {
        Path data = TestData.synthetic();
        DataLocator locator = downloading().optDataFolder(data).optEnvironment(Map.of("PEFT4J_DATA", "/nowhere")).build();
        assertThat(locator.locate(SuperGlueTasks.cb(), "val")).isEqualTo(data.resolve("superglue/CB/val.jsonl"));
        assertThat(locator.locate(SuperGlueTasks.cb(), "fewglue-dev32")).isEqualTo(data.resolve("fewglue/CB/dev32.jsonl"));
        assertThat(locator.load(SuperGlueTasks.rte(), "train")).hasSize(128);
        assertThat(locator.load(SuperGlueTasks.cb(), "fewglue-train")).hasSize(8);
        assertThatThrownBy(() -> locator.locate(SuperGlueTasks.boolq(), "train"))
                .hasMessageContaining("Split file train.jsonl of BoolQ is not in the data folder given explicitly");
        assertThat(requests).hasValue(0);
    }

    @Test
    void environmentFolderMayHoldTaskFoldersDirectly() throws IOException {
        Files.createDirectories(temp.resolve("mine/RTE"));
        Files.writeString(temp.resolve("mine/RTE/val.jsonl"), "{}\n");
        DataLocator locator = downloading().optEnvironment(Map.of("PEFT4J_DATA", temp.resolve("mine").toString())).build();
        assertThat(locator.locate(SuperGlueTasks.rte(), "val")).isEqualTo(temp.resolve("mine/RTE/val.jsonl"));
        assertThatThrownBy(() -> locator.locate(SuperGlueTasks.rte(), "train"))
                .hasMessageContaining("the folder in PEFT4J_DATA");
    }

    @Test
    void fewGlueIsNeverDownloaded() {
        assertThatThrownBy(() -> downloading().build().locate(SuperGlueTasks.cb(), "fewglue-train"))
                .hasMessageContaining("fewglue/CB/train.jsonl cannot be downloaded");
        assertThat(requests).hasValue(0);
    }

    @Test
    void userFilesAreUsedAsGiven() throws IOException {
        Path file = Files.writeString(temp.resolve("mine.csv"), "text,label\n");
        assertThat(downloading().build().locate(SplitSource.file(file.toString()), "mine")).isEqualTo(file);
        assertThatThrownBy(() -> DataLocator.builder().optExpectedChecksum("CB", "abc"))
                .hasMessageContaining("must be 64 hex digits");
    }
}
