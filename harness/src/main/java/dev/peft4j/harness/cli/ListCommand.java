package dev.peft4j.harness.cli;

import dev.peft4j.api.OptionSpec;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.train.TextToTextTemplate;
import dev.peft4j.harness.train.VerbalizerTemplate;
import dev.peft4j.plugins.PluginRegistry;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code peft4j list}: the installed methods with their options, the tasks, the head kinds and the backbones. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the installed methods (plugins) with their options, the tasks and the backbones.")
final class ListCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        PluginRegistry registry = Plugins.registry();
        out.println("Methods:");
        for (var info : registry.list()) {
            out.printf("  %-16s %s  [API %s, %s]%n", info.id(), info.description(), info.apiVersion(), info.source());
            for (OptionSpec option : info.options()) {
                out.printf("      %-14s %-8s default %-8s %s; %s%n", option.name(), option.type().displayName(),
                        option.defaultValue(), option.help(), option.describeValidValues());
            }
        }
        for (var problem : registry.getProblems()) {
            out.println("  not loaded: " + problem.source() + ": " + problem.message());
        }
        out.println();
        out.println("Tasks:");
        for (Task task : SuperGlueTasks.all()) {
            out.printf("  %-8s %s (headline metric: %s)%n", task.getId(), task.getDescription(),
                    task.getHeadlineMetric().getId());
        }
        out.println();
        out.println("Heads (--head):");
        out.println("  linear       a linear head on [CLS], trained with the prompt (default; every task)");
        out.println("  verbalizer   the frozen masked-LM head scores one label word per label at the [MASK] of a "
                + "template; the prompt is the only learner (every task but record; copa scores each choice by the "
                + "logit of its true word over its false word; a backbone with an MLM head: bert-base-uncased or a "
                + "BertForMaskedLM folder). Built in (--template, --label-words), then the task's named fields "
                + "({name:no-final-punctuation} fills a text or field without its final punctuation):");
        VerbalizerTemplate.builtIns().forEach((task, builtIn) -> {
            out.printf("      %-8s %-32s %s%n", task, builtIn.template(), builtIn.labelWords());
            out.printf("      %-8s fields: %s%n", "", String.join(" ", SuperGlueTasks.byId(task).getTemplateFields()
                    .keySet().stream().map(f -> "{" + f + "}").toList()));
        });
        out.println("  text-to-text a T5 backbone's frozen decoder scores one label text per label (the log-likelihood "
                + "of its tokens); the prompt, prepended to the encoder input, is the only learner (classification "
                + "tasks; the default for a T5 folder). Built in, the T5 paper's formats (--template, --label-words):");
        TextToTextTemplate.builtIns().forEach((task, builtIn) -> out.printf("      %-8s %-44s %s%n", task,
                builtIn.template(), builtIn.labelWords()));
        out.println();
        out.println("Backbones: " + String.join(", ", Backbones.getKnownNames())
                + " (default " + Backbones.getDefaultName() + "), a Hugging Face BERT folder, or a Hugging Face T5 "
                + "folder (model_type t5: T5 v1.0, v1.1, flan-t5)");
        out.flush();
    }
}
