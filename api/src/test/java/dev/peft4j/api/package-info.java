/** Tests of the peft4j API, run on DJL's PyTorch engine where arrays are involved. */
@NullMarked
package dev.peft4j.api;

import org.jspecify.annotations.NullMarked;
