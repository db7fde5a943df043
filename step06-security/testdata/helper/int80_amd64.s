#include "textflag.h"

// func int80(trap, a1 uintptr) (r1 uintptr)
TEXT ·int80(SB), NOSPLIT, $0-24
	MOVQ trap+0(FP), AX
	MOVQ a1+8(FP), BX
	INT  $0x80
	MOVQ AX, r1+16(FP)
	RET
