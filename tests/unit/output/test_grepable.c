/* Grepable output (-oG) against Nmap 7.93's lines for the same results
 * (reference runs g1, g4, g5, g7, g10 on loopback and in a namespace). */
#include "output_fixture.h"

/* -v adds "# Ports scanned"; every shown port is listed; no scripts. */
static void test_reference_verbose(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "./portolan -sT -v --reason", "1-3,38997,41355");
  r.o.verbosity = 1;
  struct host *h = fix_script_host(&r);
  fix_ports(h, 1, 3, PS_CLOSED, RSN_CONN_REFUSED);
  char *out = fix_render(writer_grepable_new, &r, &h, 1);
  assert_string_equal(
      out, "# Portolan " PORTOLAN_VERSION
           " scan initiated Sun Nov 29 02:28:11 2026 as: ./portolan -sT -v "
           "--reason\n"
           "# Ports scanned: TCP(5;1-3,38997,41355) UDP(0;) SCTP(0;) "
           "PROTOCOLS(0;)\n"
           "Host: 127.0.0.1 ()\tStatus: Up\n"
           "Host: 127.0.0.1 ()\tPorts: 1/closed/tcp//tcpmux///, "
           "2/closed/tcp//compressnet///, 3/closed/tcp//compressnet///, "
           "38997/open/tcp/////, 41355/open/tcp/////\n"
           "# Nmap done at Sun Nov 29 02:28:11 2026 -- 1 IP address (1 host "
           "up) scanned in 0.15 seconds\n");
  fix_free(&r, h, out);
}

/* One hidden state is named; two are not (runs g4 and g5); versions. */
static void test_ignored_state(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  struct host *h = fix_host("127.0.0.1");
  h->name = xstrdup("localhost");
  fix_ports(h, 1, 30, PS_CLOSED, RSN_CONN_REFUSED);
  struct port *pt = host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  struct service *s = port_service(pt);
  service_set_str(&s->name, "ssh");
  service_set_str(&s->product, "OpenSSH");
  service_set_str(&s->version, "9.2p1 Debian 2+deb12u3");
  service_set_str(&s->extrainfo, "protocol 2.0");
  s->probed = 1;
  s->name_confidence = 10;
  pt = host_port_set(h, PROTO_TCP, 443, PS_OPEN, RSN_SYN_ACK, 0);
  s = port_service(pt);
  service_set_str(&s->name, "http");
  service_set_str(&s->tunnel, "ssl");
  service_set_str(&s->product, "a/b\tc\n");
  s->probed = 1;
  s->name_confidence = 10;
  char *out = fix_render(writer_grepable_new, &r, &h, 1);
  assert_non_null(
      strstr(out, "\nHost: 127.0.0.1 (localhost)\tStatus: Up\n"
                  "Host: 127.0.0.1 (localhost)\tPorts: "
                  "22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2+deb12u3 "
                  "(protocol 2.0)/, 443/open/tcp//ssl|http//a|b\\x09c\\x0A/"
                  "\tIgnored State: closed (29)\n# Nmap done"));
  free(out);
  fix_ports(h, 1000, 1029, PS_FILTERED, RSN_NO_RESPONSE);
  out = fix_render(writer_grepable_new, &r, &h, 1);
  assert_non_null(strstr(out, "(protocol 2.0)/, 443/open/tcp//ssl|http//"
                              "a|b\\x09c\\x0A/\n# Nmap done"));
  fix_free(&r, h, out);
}

/* All ports hidden: an empty Ports field, then the state (run -p 1-30). */
static void test_all_ignored(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  struct host *h = fix_host("127.0.0.1");
  fix_ports(h, 1, 30, PS_CLOSED, RSN_CONN_REFUSED);
  char *out = fix_render(writer_grepable_new, &r, &h, 1);
  assert_non_null(strstr(out, "Host: 127.0.0.1 ()\tPorts: \tIgnored State: "
                              "closed (30)\n"));
  fix_free(&r, h, out);
}

/* Down hosts at -v only; UDP ports after TCP (runs g7, g10). */
static void test_down_and_udp(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  r.o.verbosity = 1;
  struct host *h[2];
  h[0] = fix_host("10.99.0.2");
  h[0]->status = HOST_DOWN;
  h[1] = fix_host("127.0.0.1");
  host_port_set(h[1], PROTO_UDP, 300, PS_OPEN_FILTERED, RSN_NO_RESPONSE, 0);
  host_port_set(h[1], PROTO_UDP, 53, PS_CLOSED, RSN_PORT_UNREACH, 64);
  host_port_set(h[1], PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(writer_grepable_new, &r, h, 2);
  assert_non_null(
      strstr(out, "# Ports scanned: TCP(0;) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n"
                  "Host: 10.99.0.2 ()\tStatus: Down\n"
                  "Host: 127.0.0.1 ()\tStatus: Up\n"
                  "Host: 127.0.0.1 ()\tPorts: 22/open/tcp//ssh///, "
                  "53/closed/udp//domain///, 300/open|filtered/udp/////\n"));
  free(out);
  r.o.verbosity = 0;
  out = fix_render(writer_grepable_new, &r, h, 1);
  assert_null(strstr(out, "10.99.0.2"));
  assert_null(strstr(out, "Ports scanned"));
  free(out);
  host_free(h[0]);
  host_free(h[1]);
  fix_run_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_verbose),
      cmocka_unit_test(test_ignored_state),
      cmocka_unit_test(test_all_ignored),
      cmocka_unit_test(test_down_and_udp),
  };
  return cmocka_run_group_tests(tests, fix_setup, fix_teardown);
}
