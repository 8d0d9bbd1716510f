package dev.peft4j.harness.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * What one in-process run of the {@code peft4j} command printed and returned, for the command
 * tests.
 *
 * @param status the exit status
 * @param out    standard output
 * @param err    standard error
 */
record CommandRun(int status, String out, String err) {

    /** Runs {@code peft4j args...} in this process. */
    static CommandRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Peft4jCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CommandRun(status, out.toString(), err.toString());
    }

    /** Runs {@code peft4j args...} in this process. */
    static CommandRun of(List<String> args) {
        return of(args.toArray(String[]::new));
    }
}
