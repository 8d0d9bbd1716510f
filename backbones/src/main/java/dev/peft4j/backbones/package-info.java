/**
 * Frozen BERT-family backbones for prompt tuning: {@link dev.peft4j.backbones.Backbones} loads one
 * by name (the bundled all-MiniLM-L6-v2 by default) or from a Hugging Face folder, giving a
 * {@link dev.peft4j.backbones.Backbone} with a {@link dev.peft4j.backbones.BertEncoder} (a
 * {@link dev.peft4j.api.PromptableEncoder} written from DJL blocks) and a
 * {@link dev.peft4j.backbones.TextTokenizer}. {@link dev.peft4j.backbones.PromptClassifier} is the
 * paper's BERT set-up: {@code [CLS] P' S [SEP]} and a linear head on the {@code [CLS]} output.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}. Failures are unchecked
 * {@link dev.peft4j.api.PeftException}s.
 */
@NullMarked
package dev.peft4j.backbones;

import org.jspecify.annotations.NullMarked;
