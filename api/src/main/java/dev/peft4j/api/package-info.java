/**
 * The stable peft4j API: reparameterizer plugins ({@link dev.peft4j.api.ReparameterizerPlugin}),
 * soft prompts ({@link dev.peft4j.api.SoftPrompt}), prompt injection into an encoder
 * ({@link dev.peft4j.api.PromptInjection}, {@link dev.peft4j.api.PromptableEncoder}), typed
 * options ({@link dev.peft4j.api.Options}) and exported prompt files
 * ({@link dev.peft4j.api.PromptAdapterFiles}).
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}. All failures are unchecked
 * {@link dev.peft4j.api.PeftException}s whose messages say what was wrong, where, and what to do.
 *
 * <p>Compatibility: within a major {@link dev.peft4j.api.ApiVersion} this package only grows.
 * Every build checks its binary and source compatibility against API 1.0: no public or protected
 * declaration is removed or changed incompatibly, and interfaces and abstract classes that plugins
 * implement gain only default or concrete methods. {@code @since} tags give the API version
 * ({@link dev.peft4j.api.ApiVersion}), not the Maven artifact version. {@code dev.peft4j.api.internal}
 * is not API.
 */
@NullMarked
package dev.peft4j.api;

import org.jspecify.annotations.NullMarked;
