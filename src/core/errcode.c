/* Text for Portolan's error codes and for -errno codes. */
#include "core/errcode.h"

#include <string.h>

const char *pt_strerror(int code) {
  switch (code) {
#define PT_ERR_CASE(name, val, msg)                                            \
  case name:                                                                   \
    return msg;
    PT_ERRCODES(PT_ERR_CASE)
#undef PT_ERR_CASE
  default:
    break;
  }
  if (code < 0 && code > -4096)
    return strerror(-code);
  return "unknown error";
}
