/**
 * The plugin test kit: {@link dev.peft4j.testkit.ReparameterizerPluginContract}, a JUnit 5 contract
 * test that every {@link dev.peft4j.api.ReparameterizerPlugin} should pass, and small helpers for
 * plugin tests: {@link dev.peft4j.testkit.ParameterValues} to read and set weights, and
 * {@link dev.peft4j.testkit.ReferenceMath}, double-precision reference maths to check a forward
 * pass against. {@link dev.peft4j.testkit.ScaledPromptPlugin} is the smallest complete plugin:
 * a template, and a stand-in method for tests of registries and hosts.
 *
 * <p>Add {@code dev.peft4j:peft4j-testkit} in test scope. It brings JUnit Jupiter's API, AssertJ
 * and DJL's PyTorch engine, because the checks run real forward and backward passes; add
 * {@code junit-jupiter-engine} (or {@code junit-jupiter}) to run them. It does not bring libtorch,
 * whose natives are platform-specific: add the artifact for your platform in test scope, e.g.
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>ai.djl.pytorch</groupId>
 *   <artifactId>pytorch-native-cpu</artifactId>
 *   <version>2.7.1</version>
 *   <classifier>linux-x86_64</classifier>  <!-- or osx-aarch64, win-x86_64 -->
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 *
 * <p>(the libtorch version that DJL 0.36.0's {@code pytorch-jni} was built for; CUDA builds are
 * {@code pytorch-native-cu*}). Without one, DJL downloads libtorch for the platform on first use.
 */
@NullMarked
package dev.peft4j.testkit;

import org.jspecify.annotations.NullMarked;
