/**
 * Residual Prompt Tuning (Razdaibiedina et al., "Residual Prompt Tuning: Improving Prompt Tuning
 * with Residual Reparameterization", ACL Findings 2023) as a peft4j plugin, id
 * {@code residual-prompt}: {@link dev.peft4j.residual.ResidualPromptPlugin}.
 */
@NullMarked
package dev.peft4j.residual;

import org.jspecify.annotations.NullMarked;
