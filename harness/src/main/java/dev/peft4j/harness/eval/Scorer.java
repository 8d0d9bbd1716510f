package dev.peft4j.harness.eval;

import dev.peft4j.harness.task.Example;
import java.util.List;

/**
 * The model, as evaluation sees it: maps a batch of examples to one score vector per example.
 * The training loop implements it with the backbone, soft prompt and head; tests with a fake.
 *
 * <p>Shape of each example's scores, by {@link dev.peft4j.harness.task.TaskKind}:
 * <ul>
 *   <li>classification and grouped binary: one logit per label ({@code task.getLabels().size()});
 *   <li>multiple choice and candidate scoring: one score per input
 *       ({@code example.inputs().size()}); a softmax over them gives the choice probabilities.
 * </ul>
 */
@FunctionalInterface
public interface Scorer {

    /**
     * Scores a batch.
     *
     * @param batch the examples, at most the evaluator's batch size
     * @return one score array per example, in batch order
     */
    float[][] score(List<Example> batch);
}
