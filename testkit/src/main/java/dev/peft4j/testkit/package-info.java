/**
 * The plugin test kit: {@link dev.peft4j.testkit.ReparameterizerPluginContract}, a JUnit 5 contract
 * test that every {@link dev.peft4j.api.ReparameterizerPlugin} should pass, and small helpers for
 * plugin tests: {@link dev.peft4j.testkit.ParameterValues} to read and set weights, and
 * {@link dev.peft4j.testkit.ReferenceMath}, double-precision reference maths to check a forward
 * pass against. {@link dev.peft4j.testkit.ScaledPromptPlugin} is the smallest complete plugin:
 * a template, and a stand-in method for tests of registries and hosts.
 *
 * <p>Add {@code dev.peft4j:peft4j-testkit} in test scope. It brings JUnit Jupiter's API, AssertJ
 * and DJL's PyTorch engine with the Linux x86-64 CPU natives, because the checks run real forward
 * and backward passes; add {@code junit-jupiter-engine} (or {@code junit-jupiter}) to run them.
 */
@NullMarked
package dev.peft4j.testkit;

import org.jspecify.annotations.NullMarked;
