// Stand-in for CUDA's <mma.h>: the WMMA emulation lives in cuda_emu.h.
#pragma once
#include "cuda_emu.h"
