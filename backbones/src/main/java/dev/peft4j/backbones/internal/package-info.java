/**
 * Implementation details of the backbones module (weight readers, the known-model table). Not
 * an API: anything here may change without notice.
 */
@NullMarked
package dev.peft4j.backbones.internal;

import org.jspecify.annotations.NullMarked;
