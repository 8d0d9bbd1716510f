/**
 * Helpers shared by peft4j's own modules. Not part of the stable API: anything here may change
 * or go away in any release; plugins and host applications should not use it. It is left out of
 * the API compatibility check and of the published Javadoc.
 */
@NullMarked
package dev.peft4j.api.internal;

import org.jspecify.annotations.NullMarked;
