/* XML output (-oX) against Nmap 7.93's bytes for the same results, and
 * checked by the tools that read Nmap XML: xmllint against nmap.dtd,
 * python3-libnmap and ndiff. A missing tool skips only its own check, with
 * a message. */
#include "output_fixture.h"

#define DTD "/usr/share/nmap/nmap.dtd"

static const char *const head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE nmaprun>\n"
    "<!-- Portolan " PORTOLAN_VERSION
    " scan initiated Sun Nov 29 02:28:11 2026 as: portolan -sT -v "
    "-&#45;reason -->\n"
    "<nmaprun scanner=\"nmap\" args=\"portolan -sT -v -&#45;reason\" "
    "start=\"1795919291\" startstr=\"Sun Nov 29 02:28:11 2026\" "
    "version=\"7.93 (portolan " PORTOLAN_VERSION ")\" "
    "xmloutputversion=\"1.05\">\n";

/* The n1 reference run: every port listed at -v. */
static void test_reference_ports(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -sT -v --reason", "1-3,38997,41355");
  r.o.verbosity = 1;
  r.o.no_stylesheet = 1;
  struct host *h = fix_host("127.0.0.1");
  fix_ports(h, 1, 3, PS_CLOSED, RSN_CONN_REFUSED);
  host_port_set(h, PROTO_TCP, 41355, PS_OPEN, RSN_SYN_ACK, 0);
  host_port_set(h, PROTO_TCP, 38997, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(writer_xml_new, &r, &h, 1);
  char *want = xasprintf(
      "%s"
      "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"5\" "
      "services=\"1-3,38997,41355\"/>\n"
      "<verbose level=\"1\"/>\n"
      "<debugging level=\"0\"/>\n"
      "<host starttime=\"1795919291\" endtime=\"1795919291\"><status "
      "state=\"up\" reason=\"user-set\" reason_ttl=\"0\"/>\n"
      "<address addr=\"127.0.0.1\" addrtype=\"ipv4\"/>\n"
      "<hostnames>\n"
      "</hostnames>\n"
      "<ports><port protocol=\"tcp\" portid=\"1\"><state state=\"closed\" "
      "reason=\"conn-refused\" reason_ttl=\"0\"/><service name=\"tcpmux\" "
      "method=\"table\" conf=\"3\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"2\"><state state=\"closed\" "
      "reason=\"conn-refused\" reason_ttl=\"0\"/><service "
      "name=\"compressnet\" method=\"table\" conf=\"3\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"3\"><state state=\"closed\" "
      "reason=\"conn-refused\" reason_ttl=\"0\"/><service "
      "name=\"compressnet\" method=\"table\" conf=\"3\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"38997\"><state state=\"open\" "
      "reason=\"syn-ack\" reason_ttl=\"0\"/></port>\n"
      "<port protocol=\"tcp\" portid=\"41355\"><state state=\"open\" "
      "reason=\"syn-ack\" reason_ttl=\"0\"/></port>\n"
      "</ports>\n"
      "<times srtt=\"566\" rttvar=\"270\" to=\"100000\"/>\n"
      "</host>\n"
      "<runstats><finished time=\"1795919291\" timestr=\"Sun Nov 29 "
      "02:28:11 2026\" summary=\"Nmap done at Sun Nov 29 02:28:11 2026; 1 IP "
      "address (1 host up) scanned in 0.04 seconds\" elapsed=\"0.04\" "
      "exit=\"success\"/><hosts up=\"1\" down=\"0\" total=\"1\"/>\n"
      "</runstats>\n"
      "</nmaprun>\n",
      head);
  assert_string_equal(out, want);
  free(want);
  fix_free(&r, h, out);
}

static const char *const table_xml =
    "<elem key=\"zeta\">a\\x00b&#xd;&#xa;-&#45;x]]&gt;&lt;&quot;&apos;&amp;"
    "\\x1B\\x80\\xFF\\xC3\\xA9</elem>\n"
    "<table key=\"list\">\n"
    "<elem>x</elem>\n"
    "<table>\n"
    "<elem>y</elem>\n"
    "<elem key=\"k\">v</elem>\n"
    "</table>\n"
    "<table>\n"
    "</table>\n"
    "</table>\n"
    "<table key=\"empty\">\n"
    "</table>\n"
    "<elem key=\"key with &quot;q&quot; &amp; &lt;&gt;\">v</elem>\n"
    "</script>";

static const char *const table_output =
    "output=\"&#xa;  zeta: a\\x00b&#xd;&#xa;-&#45;x]]&gt;&lt;&quot;&apos;"
    "&amp;\\x1B\\x80\\xFF\\xC3\\xA9&#xa;  list: &#xa;    x&#xa;    &#xa;   "
    "   y&#xa;      k: v&#xa;    &#xa;  empty: &#xa;  key with &quot;q&quot; "
    "&amp; &lt;&gt;: v\">";

/* The n2 reference run: script elements in every section, hostile bytes,
 * structured output. */
static void test_reference_scripts(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", "38997,41355");
  struct host *h = fix_script_host(&r);
  char *out = fix_render(writer_xml_new, &r, &h, 1);
  assert_non_null(strstr(
      out, "<debugging level=\"0\"/>\n"
           "<prescript><script id=\"outtest\" output=\"pre line&#xa;second\"/>"
           "<script id=\"zz-second\" output=\"pre line&#xa;second\"/>"
           "</prescript><host starttime="));
  const char *port =
      "<port protocol=\"tcp\" portid=\"38997\"><state state=\"open\" "
      "reason=\"syn-ack\" reason_ttl=\"0\"/><script id=\"outtest\" "
      "output=\"bell\\x07 tab&#x9; cr&#xd; esc\\x1B hi\\x80 nul\\x00 "
      "end&#xa;\"/><script id=\"zz-second\" output=\"s2\"><elem>a</elem>\n"
      "<elem>b</elem>\n"
      "</script></port>\n";
  assert_non_null(strstr(out, port));
  char *hs = xasprintf(
      "</ports>\n<hostscript><script id=\"outtest\" %s%s<script "
      "id=\"zz-second\" %s%s</hostscript><times srtt=\"459\" rttvar=\"270\" "
      "to=\"100000\"/>\n</host>\n<postscript><script id=\"outtest\" "
      "output=\"\"/><script id=\"zz-second\" output=\"\"/></postscript>"
      "<runstats>",
      table_output, table_xml, table_output, table_xml);
  assert_non_null(strstr(out, hs));
  free(hs);
  fix_free(&r, h, out);
}

/* Top-level non-table values are text inside <script> (§9.4); an empty
 * table still opens and closes the element (Nmap 7.93, `return {}`). */
static void test_script_text_value(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  sresults_add(&r.pre,
               sresult_new("n", "42", 2, snode_new_elem(NULL, "42", 2)));
  sresults_add(&r.pre, sresult_new("e", "x", 1, snode_new_table(NULL)));
  char *out = fix_render(writer_xml_new, &r, NULL, 0);
  assert_non_null(strstr(out,
                         "<prescript><script id=\"e\" output=\"x\"></script>"
                         "<script id=\"n\" output=\"42\">42</script>"
                         "</prescript>"));
  free(out);
  fix_run_free(&r);
}

/* Hidden ports become <extraports> with Nmap's ports= ranges (run n6). */
static void test_extraports(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  struct host *h = fix_host("127.0.0.1");
  fix_ports(h, 1, 150, PS_CLOSED, RSN_CONN_REFUSED);
  fix_ports(h, 100, 109, PS_FILTERED, RSN_NO_RESPONSE);
  fix_ports(h, 1000, 1019, PS_FILTERED, RSN_NO_RESPONSE);
  fix_ports(h, 2000, 2029, PS_FILTERED, RSN_HOST_UNREACH);
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(writer_xml_new, &r, &h, 1);
  assert_non_null(strstr(
      out, "<ports><extraports state=\"closed\" count=\"139\">\n"
           "<extrareasons reason=\"conn-refused\" count=\"139\" proto=\"tcp\" "
           "ports=\"1-21,23-99,110-150\"/>\n"
           "</extraports>\n"
           "<extraports state=\"filtered\" count=\"60\">\n"
           "<extrareasons reason=\"host-unreach\" count=\"30\" proto=\"tcp\" "
           "ports=\"2000-2029\"/>\n"
           "<extrareasons reason=\"no-response\" count=\"30\" proto=\"tcp\" "
           "ports=\"100-109,1000-1019\"/>\n"
           "</extraports>\n"
           "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" "
           "reason=\"syn-ack\" reason_ttl=\"0\"/><service name=\"ssh\" "
           "method=\"table\" conf=\"3\"/></port>\n"
           "</ports>\n"));
  fix_free(&r, h, out);
}

/* Service details, ssl tunnel and CPEs; a down host at -v; the runstats of
 * an interrupted scan. */
static char *render_full(struct fix_run *r, int interrupted) {
  struct host *h[2];
  h[0] = fix_script_host(r);
  h[0]->targetname = xstrdup("lo--cal\"host");
  struct port *pt =
      host_port_set(h[0], PROTO_TCP, 443, PS_OPEN, RSN_SYN_ACK, 0);
  struct service *s = port_service(pt);
  service_set_str(&s->name, "http");
  service_set_str(&s->product, "nginx <\x01>");
  service_set_str(&s->tunnel, "ssl");
  service_set_str(&s->fingerprint, "SF-Port443-TCP:V=7.93%I=7");
  s->probed = 1;
  s->name_confidence = 10.0;
  s->cpe = xcalloc(1, sizeof *s->cpe);
  s->cpe[0] = xstrdup("cpe:/a:igor_sysoev:nginx");
  s->ncpe = 1;
  host_port_set(h[0], PROTO_UDP, 53, PS_OPEN_FILTERED, RSN_NO_RESPONSE, 0);
  h[1] = fix_host("::1");
  h[1]->status = HOST_DOWN;
  h[1]->reason = RSN_NO_RESPONSE;
  r->o.verbosity = 1;
  r->st.hosts_down = 1;
  r->st.hosts_total = 2;
  r->st.interrupted = interrupted;
  char *out = fix_render(writer_xml_new, r, h, 2);
  host_free(h[0]);
  host_free(h[1]);
  return out;
}

static void test_service_and_down(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -p 22", "22,443");
  char *out = render_full(&r, 1);
  assert_non_null(strstr(
      out, "<service name=\"http\" product=\"nginx &lt;\\x01&gt;\" "
           "servicefp=\"SF-Port443-TCP:V=7.93%I=7\" tunnel=\"ssl\" "
           "method=\"probed\" conf=\"10\"><cpe>cpe:/a:igor_sysoev:nginx</cpe>"
           "</service></port>\n"));
  assert_non_null(strstr(
      out, "</port>\n<port protocol=\"udp\" portid=\"53\"><state "
           "state=\"open|filtered\" "
           "reason=\"no-response\" reason_ttl=\"0\"/><service name=\"domain\" "
           "method=\"table\" conf=\"3\"/></port>\n"));
  assert_non_null(strstr(out, "<hostname name=\"lo-&#45;cal&quot;host\" "
                              "type=\"user\"/>\n"));
  assert_non_null(strstr(out,
                         "<host><status state=\"down\" reason=\"no-response\" "
                         "reason_ttl=\"0\"/>\n<address addr=\"::1\" "
                         "addrtype=\"ipv6\"/>\n</host>\n"));
  assert_non_null(strstr(out, "elapsed=\"0.15\" exit=\"error\" "
                              "errormsg=\"interrupted\"/><hosts up=\"1\" "
                              "down=\"1\" total=\"2\"/>\n</runstats>\n"
                              "</nmaprun>\n"));
  free(out);
  fix_run_free(&r);
}

static int run(const char *cmd) {
  int rc = system(cmd);
  return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* xmllint against Nmap's DTD, for full documents in several shapes. */
static void test_dtd_valid(void **state) {
  (void)state;
  if (!fix_have("xmllint") || access(DTD, R_OK) != 0) {
    print_message("SKIP: xmllint or " DTD " is missing\n");
    skip();
  }
  for (int interrupted = 0; interrupted <= 1; interrupted++) {
    struct fix_run r;
    fix_run_init(&r, "portolan --script 'a--b' \"]]>\"", "22,443");
    char *out = render_full(&r, interrupted);
    const char *path = fix_tmpfile(0, out, ".xml");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "xmllint --noout --dtdvalid %s %s", DTD, path);
    assert_int_equal(run(cmd), 0);
    /* The file is pure ASCII, whatever bytes the scripts returned. */
    for (const char *p = out; *p; p++)
      assert_true((unsigned char)*p < 0x80);
    unlink(path);
    free(out);
    fix_run_free(&r);
  }
}

/* python3-libnmap parses it and sees the host, ports and scripts. */
static void test_libnmap(void **state) {
  (void)state;
  /* Debian's package lives in the system interpreter, which a pyenv or
   * venv python3 on PATH would not see. */
  const char *py = "/usr/bin/python3";
  char probe[128];
  snprintf(probe, sizeof probe, "%s -c 'import libnmap.parser' 2>/dev/null",
           py);
  if (run(probe) != 0) {
    py = "python3";
    snprintf(probe, sizeof probe, "%s -c 'import libnmap.parser' 2>/dev/null",
             py);
  }
  if (run(probe) != 0) {
    print_message("SKIP: python3-libnmap is missing\n");
    skip();
  }
  struct fix_run r;
  fix_run_init(&r, "portolan", "22,443");
  char *out = render_full(&r, 0);
  const char *path = fix_tmpfile(0, out, ".xml");
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "%s -c 'import sys\n"
           "from libnmap.parser import NmapParser\n"
           "r = NmapParser.parse_fromfile(sys.argv[1])\n"
           "h = [x for x in r.hosts if x.is_up()][0]\n"
           "assert h.address == \"127.0.0.1\", h.address\n"
           "ports = sorted(p for p, _ in h.get_ports())\n"
           "assert ports == [53, 443, 38997, 41355], ports\n"
           "s = h.get_service(443, \"tcp\")\n"
           "assert s.service == \"http\" and s.tunnel == \"ssl\", s\n"
           "ids = [x[\"id\"] for x in h.get_service(38997).scripts_results]\n"
           "assert ids == [\"outtest\", \"zz-second\"], ids\n"
           "assert r.hosts_total == 2 and len(r.hosts) == 2\n"
           "' %s",
           py, path);
  assert_int_equal(run(cmd), 0);
  unlink(path);
  free(out);
  fix_run_free(&r);
}

/* ndiff reads two reports and finds exactly the change we made. */
static void test_ndiff(void **state) {
  (void)state;
  if (!fix_have("ndiff")) {
    print_message("SKIP: ndiff is missing\n");
    skip();
  }
  struct fix_run r;
  fix_run_init(&r, "portolan", "22,80");
  struct host *h = fix_host("127.0.0.1");
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  host_port_set(h, PROTO_TCP, 80, PS_CLOSED, RSN_CONN_REFUSED, 0);
  char *a = fix_render(writer_xml_new, &r, &h, 1);
  host_port_set(h, PROTO_TCP, 80, PS_OPEN, RSN_SYN_ACK, 0);
  char *b = fix_render(writer_xml_new, &r, &h, 1);
  const char *pa = fix_tmpfile(0, a, ".xml");
  const char *pb = fix_tmpfile(1, b, ".xml");
  char cmd[512];
  snprintf(cmd, sizeof cmd, "ndiff %s %s > %s.diff", pa, pa, pa);
  assert_int_equal(run(cmd), 0); /* 0: no difference */
  snprintf(cmd, sizeof cmd,
           "ndiff %s %s > %s.diff; test $? = 1 && grep -q '^-80/tcp closed "
           "http' %s.diff && grep -q '^+80/tcp open   http' %s.diff",
           pa, pb, pa, pa, pa);
  assert_int_equal(run(cmd), 0);
  snprintf(cmd, sizeof cmd, "%s.diff", pa);
  unlink(cmd);
  unlink(pa);
  unlink(pb);
  free(a);
  free(b);
  host_free(h);
  fix_run_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_ports),
      cmocka_unit_test(test_reference_scripts),
      cmocka_unit_test(test_script_text_value),
      cmocka_unit_test(test_extraports),
      cmocka_unit_test(test_service_and_down),
      cmocka_unit_test(test_dtd_valid),
      cmocka_unit_test(test_libnmap),
      cmocka_unit_test(test_ndiff),
  };
  return cmocka_run_group_tests(tests, fix_setup, fix_teardown);
}
