/**
 * Optional Guice support: {@link dev.peft4j.inference.guice.PredictorModule} binds a
 * {@link dev.peft4j.inference.Predictor} for an export folder. Needs {@code com.google.inject:guice}
 * on the host's class path; the rest of peft4j-inference never touches Guice.
 */
@NullMarked
package dev.peft4j.inference.guice;

import org.jspecify.annotations.NullMarked;
