package dev.peft4j.harness.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code peft4j} command line: list methods, train, evaluate, compare, report, export, bench, serve. */
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
            ServeCommand.class,
            BenchServeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Peft4jCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Debug detail: DEBUG logging (DJL's included) and the stack traces of errors and of "
                    + "plugins that failed to load.")
    boolean verbose;

    /** Runs the command line and exits with its status; configures logging first (see {@link CliLogging}). */
    public static void main(String[] args) {
        // Before picocli builds the commands: their defaults load classes that create loggers.
        CliLogging.configure(CliLogging.isVerbose(args));
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

    /** Whether {@code --verbose} was given, before or after the subcommand's name. */
    static boolean isVerbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
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

    /** Prints a PeftException's message, its stack trace only with {@code --verbose}: our messages say what to do. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
            if (e instanceof dev.peft4j.api.PeftException) {
                commandLine.getErr().println("error: " + e.getMessage());
                if (isVerbose(parsed)) {
                    e.printStackTrace(commandLine.getErr());
                }
                return 2;
            }
            e.printStackTrace(commandLine.getErr());
            return 1;
        }
    }
}
