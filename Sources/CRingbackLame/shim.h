#ifndef CRINGBACK_LAME_SHIM_H
#define CRINGBACK_LAME_SHIM_H

#include <lame/lame.h>

#endif
