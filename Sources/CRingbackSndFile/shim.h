#ifndef CRINGBACK_SNDFILE_SHIM_H
#define CRINGBACK_SNDFILE_SHIM_H

#include <sndfile.h>

/* libsndfile has no variadic API; the macros below are not imported by Swift. */
static inline int CRingbackSndFile_formatTypeMask(void) { return SF_FORMAT_TYPEMASK; }
static inline int CRingbackSndFile_formatSubMask(void) { return SF_FORMAT_SUBMASK; }

#endif
