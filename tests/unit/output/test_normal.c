/* Normal output (-oN and the screen) against the text Nmap 7.93 printed for
 * the same results on loopback (reference runs in the expected strings;
 * only the Portolan header line and Nmap's "Read data files" line
 * differ). */
#include "output_fixture.h"

static struct writer *make_file(FILE *f, int owns) {
  return writer_normal_new(f, owns, 0);
}

static struct writer *make_screen(FILE *f, int owns) {
  return writer_normal_new(f, owns, 1);
}

/* nmap -sT -n -Pn -p 41355,38997,1-30 127.0.0.1 -oN n1.txt -v --reason */
static void test_verbose_reason_table(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -sT -n -Pn -p 41355,38997,1-30 -v --reason",
               "1-30,38997,41355");
  r.o.verbosity = 1;
  r.o.reason = 1;
  struct host *h = fix_host("127.0.0.1");
  for (uint16_t p = 30; p >= 1; p--) /* any order: the writer sorts */
    host_port_set(h, PROTO_TCP, p, PS_CLOSED, RSN_CONN_REFUSED, 0);
  host_port_set(h, PROTO_TCP, 41355, PS_OPEN, RSN_SYN_ACK, 0);
  host_port_set(h, PROTO_TCP, 38997, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(make_file, &r, &h, 1);
  const char *want =
      "# Portolan " PORTOLAN_VERSION
      " scan initiated Sun Nov 29 02:28:11 2026 as: portolan -sT -n -Pn -p "
      "41355,38997,1-30 -v --reason\n"
      "Nmap scan report for 127.0.0.1\n"
      "Host is up, received user-set (0.00057s latency).\n"
      "\n"
      "PORT      STATE  SERVICE     REASON\n"
      "1/tcp     closed tcpmux      conn-refused\n"
      "2/tcp     closed compressnet conn-refused\n"
      "3/tcp     closed compressnet conn-refused\n"
      "4/tcp     closed unknown     conn-refused\n"
      "5/tcp     closed rje         conn-refused\n"
      "6/tcp     closed unknown     conn-refused\n"
      "7/tcp     closed echo        conn-refused\n"
      "8/tcp     closed unknown     conn-refused\n"
      "9/tcp     closed discard     conn-refused\n"
      "10/tcp    closed unknown     conn-refused\n"
      "11/tcp    closed systat      conn-refused\n"
      "12/tcp    closed unknown     conn-refused\n"
      "13/tcp    closed daytime     conn-refused\n"
      "14/tcp    closed unknown     conn-refused\n"
      "15/tcp    closed netstat     conn-refused\n"
      "16/tcp    closed unknown     conn-refused\n"
      "17/tcp    closed qotd        conn-refused\n"
      "18/tcp    closed msp         conn-refused\n"
      "19/tcp    closed chargen     conn-refused\n"
      "20/tcp    closed ftp-data    conn-refused\n"
      "21/tcp    closed ftp         conn-refused\n"
      "22/tcp    closed ssh         conn-refused\n"
      "23/tcp    closed telnet      conn-refused\n"
      "24/tcp    closed priv-mail   conn-refused\n"
      "25/tcp    closed smtp        conn-refused\n"
      "26/tcp    closed rsftp       conn-refused\n"
      "27/tcp    closed nsw-fe      conn-refused\n"
      "28/tcp    closed unknown     conn-refused\n"
      "29/tcp    closed msg-icp     conn-refused\n"
      "30/tcp    closed unknown     conn-refused\n"
      "38997/tcp open   unknown     syn-ack\n"
      "41355/tcp open   unknown     syn-ack\n"
      "\n"
      "Read data files from: /tmp\n"
      "# Nmap done at Sun Nov 29 02:28:11 2026 -- 1 IP address (1 host up) "
      "scanned in 0.04 seconds\n";
  assert_string_equal(out, want);
  fix_free(&r, h, out);
}

/* nmap ... --script outtest,zz-second (reference run n2), scripts sorted by
 * id where Nmap's order was arbitrary. */
static void test_scripts_hostile_bytes(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -p 41355,38997 --script x", "38997,41355");
  struct host *h = fix_script_host(&r);
  char *out = fix_render(make_file, &r, &h, 1);
  const char *want =
      "# Portolan " PORTOLAN_VERSION
      " scan initiated Sun Nov 29 02:28:11 2026 as: portolan -p "
      "41355,38997 --script x\n"
      "Pre-scan script results:\n"
      "| outtest: pre line\n"
      "|_second\n"
      "| zz-second: pre line\n"
      "|_second\n"
      "Nmap scan report for 127.0.0.1\n"
      "Host is up (0.00046s latency).\n"
      "\n"
      "PORT      STATE SERVICE\n"
      "38997/tcp open  unknown\n"
      "|_outtest: bell\\x07 tab\t cr\\x0D esc\\x1B hi\\x80 nul\\x00 end\n"
      "|_zz-second: s2\n"
      "41355/tcp open  unknown\n"
      "|_outtest: bell\\x07 tab\t cr\\x0D esc\\x1B hi\\x80 nul\\x00 end\n"
      "|_zz-second: s2\n"
      "\n"
      "Host script results:\n"
      "| outtest: \n"
      "|   zeta: a\\x00b\\x0D\n"
      "| --x]]><\"'&\\x1B\\x80\\xFF\\xC3\\xA9\n"
      "|   list: \n"
      "|     x\n"
      "|     \n"
      "|       y\n"
      "|       k: v\n"
      "|     \n"
      "|   empty: \n"
      "|_  key with \"q\" & <>: v\n"
      "| zz-second: \n"
      "|   zeta: a\\x00b\\x0D\n"
      "| --x]]><\"'&\\x1B\\x80\\xFF\\xC3\\xA9\n"
      "|   list: \n"
      "|     x\n"
      "|     \n"
      "|       y\n"
      "|       k: v\n"
      "|     \n"
      "|   empty: \n"
      "|_  key with \"q\" & <>: v\n"
      "\n"
      "Post-scan script results:\n"
      "Bug in outtest: no string output.\n"
      "Bug in zz-second: no string output.\n"
      "# Nmap done at Sun Nov 29 02:28:11 2026 -- 1 IP address (1 host up) "
      "scanned in 0.15 seconds\n";
  assert_string_equal(out, want);
  fix_free(&r, h, out);
}

/* Several hidden states and reasons (reference run n5 in a namespace with
 * drop and reject rules): groups by state, largest first. */
static void test_not_shown_several_states(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", "1-60,1000-1039,2000-2029,8080");
  struct host *h = fix_host("127.0.0.1");
  h->srtt_us = 130;
  fix_ports(h, 1, 60, PS_CLOSED, RSN_CONN_REFUSED);
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  host_port_set(h, PROTO_TCP, 8080, PS_OPEN, RSN_SYN_ACK, 0);
  fix_ports(h, 1000, 1039, PS_FILTERED, RSN_NO_RESPONSE);
  fix_ports(h, 2000, 2029, PS_FILTERED, RSN_HOST_UNREACH);
  r.st.elapsed = 0.13;
  char *out = fix_render(make_file, &r, &h, 1);
  const char *body = strstr(out, "Nmap scan report");
  assert_non_null(body);
  assert_string_equal(
      body, "Nmap scan report for 127.0.0.1\n"
            "Host is up (0.00013s latency).\n"
            "Not shown: 40 filtered tcp ports (no-response), 30 filtered tcp "
            "ports (host-unreach), 59 closed tcp ports (conn-refused)\n"
            "PORT     STATE SERVICE\n"
            "22/tcp   open  ssh\n"
            "8080/tcp open  http-proxy\n"
            "\n"
            "# Nmap done at Sun Nov 29 02:28:11 2026 -- 1 IP address (1 host "
            "up) scanned in 0.13 seconds\n");
  fix_free(&r, h, out);
}

/* The threshold: 25 ports of a state are listed, 26 are hidden; -v
 * doubles it. */
static void test_ignored_threshold(void **state) {
  (void)state;
  for (int verbose = 0; verbose <= 1; verbose++) {
    for (uint16_t n = 25; n <= 26; n++) {
      uint16_t count = (uint16_t)(n * (verbose + 1));
      struct fix_run r;
      fix_run_init(&r, "portolan", NULL);
      r.o.verbosity = verbose;
      struct host *h = fix_host("127.0.0.1");
      fix_ports(h, 1, count, PS_CLOSED, RSN_CONN_REFUSED);
      char *out = fix_render(make_file, &r, &h, 1);
      if (n == 25) {
        assert_null(strstr(out, "Not shown"));
        assert_non_null(strstr(out, "\n\nPORT   STATE  SERVICE\n"));
      } else {
        char want[200];
        snprintf(want, sizeof want,
                 "Host is up (0.00057s latency).\n"
                 "All %u scanned ports on 127.0.0.1 are in ignored states.\n"
                 "Not shown: %u closed tcp ports (conn-refused)\n\n",
                 count, count);
        assert_non_null(strstr(out, want));
        assert_null(strstr(out, "PORT"));
      }
      fix_free(&r, h, out);
    }
  }
}

/* -sV columns and Service Info (reference run n4). */
static void test_version_and_service_info(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -sV", "22,8080,200");
  r.o.version_detect = 1;
  r.o.reason = 1;
  struct host *h = fix_host("127.0.0.1");
  h->srtt_us = 396;
  struct port *pt = host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  struct service *s = port_service(pt);
  service_set_str(&s->name, "ssh");
  service_set_str(&s->product, "OpenSSH");
  service_set_str(&s->version, "9.2p1 Debian 2+deb12u3");
  service_set_str(&s->extrainfo, "protocol 2.0");
  service_set_str(&s->ostype, "Linux");
  s->probed = 1;
  s->name_confidence = 10.0;
  s->cpe = xcalloc(2, sizeof *s->cpe);
  s->cpe[0] = xstrdup("cpe:/a:openbsd:openssh:9.2p1");
  s->cpe[1] = xstrdup("cpe:/o:linux:linux_kernel");
  s->ncpe = 2;
  host_port_set(h, PROTO_TCP, 200, PS_FILTERED, RSN_HOST_UNREACH, 0);
  pt = host_port_set(h, PROTO_TCP, 8080, PS_OPEN, RSN_SYN_ACK, 0);
  s = port_service(pt);
  service_set_str(&s->name, "http");
  service_set_str(&s->product, "Apache httpd");
  service_set_str(&s->version, "2.4.1");
  service_set_str(&s->extrainfo, "(Debian)");
  s->probed = 1;
  s->name_confidence = 10.0;
  char *out = fix_render(make_file, &r, &h, 1);
  const char *body = strstr(out, "Nmap scan report");
  assert_non_null(body);
  assert_string_equal(
      body,
      "Nmap scan report for 127.0.0.1\n"
      "Host is up, received user-set (0.00040s latency).\n"
      "\n"
      "PORT     STATE    SERVICE REASON       VERSION\n"
      "22/tcp   open     ssh     syn-ack      OpenSSH 9.2p1 Debian 2+deb12u3 "
      "(protocol 2.0)\n"
      "200/tcp  filtered unknown host-unreach\n"
      "8080/tcp open     http    syn-ack      Apache httpd 2.4.1 ((Debian))\n"
      "Service Info: OS: Linux; CPE: cpe:/o:linux:linux_kernel\n"
      "\n"
      "Service detection performed.\n"
      "# Nmap done at Sun Nov 29 02:28:11 2026 -- 1 IP address (1 host up) "
      "scanned in 0.04 seconds\n");
  fix_free(&r, h, out);
}

/* UDP with a reply TTL, open|filtered, several protocols (run n10). */
static void test_udp_ttl(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  r.o.reason = 1;
  struct host *h = fix_host("127.0.0.1");
  h->srtt_us = 74;
  host_port_set(h, PROTO_UDP, 300, PS_OPEN_FILTERED, RSN_NO_RESPONSE, 0);
  host_port_set(h, PROTO_UDP, 53, PS_CLOSED, RSN_PORT_UNREACH, 64);
  host_port_set(h, PROTO_TCP, 80, PS_CLOSED, RSN_CONN_REFUSED, 0);
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(make_file, &r, &h, 1);
  const char *want = "Host is up, received user-set (0.000074s latency).\n"
                     "\n"
                     "PORT    STATE         SERVICE REASON\n"
                     "22/tcp  open          ssh     syn-ack\n"
                     "80/tcp  closed        http    conn-refused\n"
                     "53/udp  closed        domain  port-unreach ttl 64\n"
                     "300/udp open|filtered unknown no-response\n"
                     "\n";
  assert_non_null(strstr(out, want));
  fix_free(&r, h, out);
}

/* Down hosts: only with -v; the reason with --reason. */
static void test_down_host(void **state) {
  (void)state;
  for (int v = 0; v <= 1; v++) {
    struct fix_run r;
    fix_run_init(&r, "portolan", "22");
    r.o.verbosity = v;
    r.o.reason = 1;
    r.st.hosts_up = 0;
    r.st.hosts_down = 1;
    struct host *h = fix_host("10.99.0.2");
    h->status = HOST_DOWN;
    h->reason = RSN_NO_RESPONSE;
    char *out = fix_render(make_file, &r, &h, 1);
    const char *line = "Nmap scan report for 10.99.0.2 [host down, "
                       "received no-response]\n"
                       "Read data files from: /tmp\n# Nmap done";
    if (v)
      assert_non_null(strstr(out, line));
    else
      assert_null(strstr(out, "scan report"));
    assert_non_null(strstr(out, "1 IP address (0 hosts up)"));
    fix_free(&r, h, out);
  }
}

/* The screen: "Starting", "Nmap done:", names, and the note for one host
 * that seems down. */
static void test_screen(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan localhost", "80");
  struct host *h = fix_host("127.0.0.1");
  h->targetname = xstrdup("localhost");
  host_port_set(h, PROTO_TCP, 80, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(make_screen, &r, &h, 1);
  assert_string_equal(out, "Starting Portolan " PORTOLAN_VERSION
                           " ( NSE-compatible network scanner ) at "
                           "2026-11-29 02:28 UTC\n"
                           "Nmap scan report for localhost (127.0.0.1)\n"
                           "Host is up (0.00057s latency).\n"
                           "\n"
                           "PORT   STATE SERVICE\n"
                           "80/tcp open  http\n"
                           "\n"
                           "Nmap done: 1 IP address (1 host up) scanned in "
                           "0.04 seconds\n");
  free(out);
  r.st.hosts_up = 0;
  out = fix_render(make_screen, &r, NULL, 0);
  assert_non_null(strstr(out, "Note: Host seems down. If it is really up, "
                              "but blocking our ping probes, try -Pn\n"
                              "Nmap done: 1 IP address (0 hosts up)"));
  fix_free(&r, h, out);
}

/* --open: closed ports hidden whatever their number; a host with no open
 * port is left out. */
static void test_open_only(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan --open", NULL);
  r.o.open_only = 1;
  struct host *h = fix_host("127.0.0.1");
  host_port_set(h, PROTO_TCP, 1, PS_CLOSED, RSN_CONN_REFUSED, 0);
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  host_port_set(h, PROTO_TCP, 100, PS_FILTERED, RSN_NO_RESPONSE, 0);
  host_port_set(h, PROTO_TCP, 101, PS_FILTERED, RSN_NO_RESPONSE, 0);
  char *out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(
      out, "Not shown: 2 filtered tcp ports (no-response), 1 closed tcp port "
           "(conn-refused)\n"
           "Some closed ports may be reported as filtered due to "
           "--defeat-rst-ratelimit\n"
           "PORT   STATE SERVICE\n22/tcp open  ssh\n\n"));
  free(out);
  host_port_set(h, PROTO_TCP, 22, PS_CLOSED, RSN_CONN_REFUSED, 0);
  out = fix_render(make_file, &r, &h, 1);
  assert_null(strstr(out, "scan report"));
  fix_free(&r, h, out);
}

/* Empty output and output ending in newlines; a lone table result with an
 * empty string (the "Bug in" note) under a port. */
static void test_script_edge_cases(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  struct host *h = fix_host("127.0.0.1");
  struct port *pt = host_port_set(h, PROTO_TCP, 80, PS_OPEN, RSN_SYN_ACK, 0);
  sresults_add(port_scripts(pt), sresult_new("b", "x\n\n", 3, NULL));
  pt = host_port_get(h, PROTO_TCP, 80);
  sresults_add(port_scripts(pt), sresult_new("a", "\n", 1, NULL));
  pt = host_port_get(h, PROTO_TCP, 80);
  sresults_add(port_scripts(pt),
               sresult_new("c", "", 0, snode_new_table(NULL)));
  char *out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(out, "80/tcp open  http\n"
                              "|_a: \n"
                              "| b: x\n"
                              "|_\n"
                              "Bug in c: no string output.\n"
                              "\n#"));
  fix_free(&r, h, out);
}

static void set_svc(struct host *h, uint16_t port, const char *name,
                    const char *product, const char *hostname,
                    const char *ostype, const char *cpe) {
  struct port *pt = host_port_set(h, PROTO_TCP, port, PS_OPEN, RSN_SYN_ACK, 0);
  struct service *s = port_service(pt);
  service_set_str(&s->name, name);
  service_set_str(&s->product, product);
  service_set_str(&s->hostname, hostname);
  service_set_str(&s->ostype, ostype);
  s->probed = 1;
  s->name_confidence = 10;
  if (cpe != NULL) {
    s->cpe = xcalloc(1, sizeof *s->cpe);
    s->cpe[0] = xstrdup(cpe);
    s->ncpe = 1;
  }
}

/* Plural "OSs" and the singular "CPE" label for several (an Nmap 7.93 run
 * against SSH banners of two systems and an FTP banner with a host name). */
static void test_service_info_plural(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -sV", NULL);
  r.o.version_detect = 1;
  struct host *h = fix_host("127.0.0.1");
  set_svc(h, 22, "ssh", "OpenSSH", NULL, "Linux", "cpe:/o:linux:linux_kernel");
  set_svc(h, 2121, "ftp", "OpenBSD ftpd", "myhost.example", "Linux",
          "cpe:/a:openbsd:ftpd");
  set_svc(h, 2222, "ssh", "OpenSSH", NULL, "FreeBSD", "cpe:/o:freebsd:freebsd");
  char *out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(out, "2222/tcp open  ssh     OpenSSH\n"
                              "Service Info: Host: myhost.example; OSs: "
                              "Linux, FreeBSD; CPE: cpe:/o:linux:linux_kernel, "
                              "cpe:/o:freebsd:freebsd\n\n"));
  fix_free(&r, h, out);
}

/* Names: the user's name with the address, other addresses of the name,
 * and a reverse-DNS name that differs. */
static void test_names(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  struct host *h = fix_host("127.0.0.1");
  h->targetname = xstrdup("scan.example");
  h->name = xstrdup("li-1.example");
  h->other_addrs = xcalloc(2, sizeof *h->other_addrs);
  h->other_addrs[0] = xstrdup("::1");
  h->other_addrs[1] = xstrdup("127.0.0.2");
  h->nother_addrs = 2;
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  char *out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(
      out, "Nmap scan report for scan.example (127.0.0.1)\n"
           "Host is up (0.00057s latency).\n"
           "Other addresses for scan.example (not scanned): ::1 127.0.0.2\n"
           "rDNS record for 127.0.0.1: li-1.example\n"
           "\nPORT   STATE SERVICE\n"));
  fix_free(&r, h, out);
}

/* -sn: "Host is up." without a table; -sL: the report line only (Nmap
 * 7.93 runs on loopback). */
static void test_ping_and_list(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -sn", NULL);
  r.o.ping_only = 1;
  struct host *h = fix_host("127.0.0.1");
  h->srtt_us = 0;
  char *out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(out, "\nNmap scan report for 127.0.0.1\n"
                              "Host is up.\n# Nmap done"));
  free(out);
  r.o.ping_only = 0;
  r.o.list_scan = 1;
  h->status = HOST_UNKNOWN;
  out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(out, "\nNmap scan report for 127.0.0.1\n# Nmap done"));
  fix_free(&r, h, out);
}

/* Unrecognized services print their fingerprints after the table. */
static void test_fingerprints(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -sV", NULL);
  r.o.version_detect = 1;
  struct host *h = fix_host("127.0.0.1");
  for (uint16_t p = 1000; p <= 1001; p++) {
    struct port *pt = host_port_set(h, PROTO_TCP, p, PS_OPEN, RSN_SYN_ACK, 0);
    struct service *s = port_service(pt);
    char *fp = xasprintf("SF-Port%u-TCP:V=0.1%%r(NULL,1,\"\\x1b\")\n", p);
    s->fingerprint = fp;
  }
  char *out = fix_render(make_file, &r, &h, 1);
  assert_non_null(strstr(
      out, "1001/tcp open  unknown\n"
           "2 services unrecognized despite returning data. Fingerprints:\n"
           "==============NEXT SERVICE FINGERPRINT (SUBMIT "
           "INDIVIDUALLY)==============\n"
           "SF-Port1000-TCP:V=0.1%r(NULL,1,\"\\x1b\")\n"
           "==============NEXT SERVICE FINGERPRINT (SUBMIT "
           "INDIVIDUALLY)==============\n"
           "SF-Port1001-TCP:V=0.1%r(NULL,1,\"\\x1b\")\n\n"));
  fix_free(&r, h, out);
}

/* On the screen the "Bug in" note goes to stderr, not into the report. */
static void test_screen_bug_note(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan", NULL);
  sresults_add(&r.post, sresult_new("empty", "", 0, NULL));
  char path[] = "/tmp/portolan-err-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  char *out = fix_render(make_screen, &r, NULL, 0);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char err[128] = "";
  assert_true(pread(fd, err, sizeof err - 1, 0) >= 0);
  close(fd);
  unlink(path);
  assert_string_equal(err, "Bug in empty: no string output.\n");
  assert_non_null(strstr(out, "Post-scan script results:\nNmap done: "));
  assert_null(strstr(out, "Bug in"));
  free(out);
  fix_run_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verbose_reason_table),
      cmocka_unit_test(test_scripts_hostile_bytes),
      cmocka_unit_test(test_not_shown_several_states),
      cmocka_unit_test(test_ignored_threshold),
      cmocka_unit_test(test_version_and_service_info),
      cmocka_unit_test(test_udp_ttl),
      cmocka_unit_test(test_down_host),
      cmocka_unit_test(test_screen),
      cmocka_unit_test(test_open_only),
      cmocka_unit_test(test_script_edge_cases),
      cmocka_unit_test(test_service_info_plural),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_ping_and_list),
      cmocka_unit_test(test_fingerprints),
      cmocka_unit_test(test_screen_bug_note),
  };
  return cmocka_run_group_tests(tests, fix_setup, fix_teardown);
}
