#ifndef CRINGBACK_SAMPLERATE_SHIM_H
#define CRINGBACK_SAMPLERATE_SHIM_H

/* libsamplerate has no variadic API and no macros Swift needs; the header is imported as is. */
#include <samplerate.h>

#endif
