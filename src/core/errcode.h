/* Portolan's own error codes. Functions return 0 or a negative code:
 * -errno values (identical to libuv's UV_E* on Unix, so libuv statuses pass
 * through unchanged) or one of the PT_E* codes below, which sit outside both
 * ranges. */
#ifndef PORTOLAN_CORE_ERRCODE_H
#define PORTOLAN_CORE_ERRCODE_H

#define PT_ERRCODES(X)                                                         \
  X(PT_EPARSE, -5000, "malformed input")                                       \
  X(PT_ERANGE, -5001, "value out of range")                                    \
  X(PT_ENOTFOUND, -5002, "not found")                                          \
  X(PT_ERESOLVE, -5003, "name resolution failed")                              \
  X(PT_ETLS, -5004, "TLS handshake failed")                                    \
  X(PT_ETIMEDOUT, -5005, "timed out")                                          \
  X(PT_EUNSUPPORTED, -5006, "not supported yet")                               \
  X(PT_EEXISTS, -5007, "already exists")                                       \
  X(PT_ELIMIT, -5008, "limit exceeded")

enum pt_errcode {
#define PT_ERR_ENUM(name, val, msg) name = (val),
  PT_ERRCODES(PT_ERR_ENUM)
#undef PT_ERR_ENUM
};

/* Text for any code: PT_E*, or -errno through strerror. Never NULL. */
const char *pt_strerror(int code);

#endif
