package dev.peft4j.harness.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code peft4j} command line: list methods, train, evaluate, compare, report, export, bench. */
@Command(
        name = "peft4j",
        mixinStandardHelpOptions = true,
        versionProvider = Peft4jCommand.Version.class,
        description = "Parameter-efficient prompt tuning of frozen language models on DJL.",
        subcommands = {
            ListCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            CompareCommand.class,
            ReportCommand.class,
            ExportCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Peft4jCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status (for tests and embedding). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** Runs the command line writing to the given streams, and returns its exit status. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine() {
        return new CommandLine(new Peft4jCommand())
                .setExecutionExceptionHandler(new ErrorHandler())
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Peft4jCommand.class.getPackage().getImplementationVersion();
            return new String[] {"peft4j " + (version == null ? "(development build)" : version)};
        }
    }

    /** Prints a PeftException's message without a stack trace: our messages say what to do. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
            if (e instanceof dev.peft4j.api.PeftException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            e.printStackTrace(commandLine.getErr());
            return 1;
        }
    }
}
