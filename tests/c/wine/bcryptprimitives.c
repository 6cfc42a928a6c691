/*
 * Test-only stand-in for Windows' bcryptprimitives.dll under Wine 8, which lacks ProcessPrng (Rust's
 * standard library imports it for random numbers). Forwards to advapi32's SystemFunction036
 * (RtlGenRandom). scripts/check-native.sh builds it beside the test programs; it is never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
