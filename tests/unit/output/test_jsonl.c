/* JSON lines (-oJ): exact records for small cases, and a round trip through
 * python3's json module that decodes every line and gets back the exact
 * bytes and structure the scripts produced (docs/json-lines.md). */
#include "output_fixture.h"

/* The exact records of a tiny run. */
static void test_records(void **state) {
  (void)state;
  struct fix_run r;
  fix_run_init(&r, "portolan -p 22 \"x\"", "22");
  struct host *h = fix_host("127.0.0.1");
  struct port *pt = host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 0);
  struct snode *t = snode_new_table(NULL);
  snode_append(t, snode_new_elem("$k", "a\0\x80", 3));
  snode_append(t, snode_new_elem("ok", "\xc3\xa9\n", 3));
  sresults_add(port_scripts(pt), sresult_new("s", "a\0\x80", 3, t));
  char *out = fix_render(writer_json_new, &r, &h, 1);
  assert_string_equal(
      out,
      "{\"type\":\"run\",\"scanner\":\"portolan\",\"version\":"
      "\"" PORTOLAN_VERSION
      "\",\"args\":\"portolan -p 22 \\\"x\\\"\",\"start\":1795919291.000000,"
      "\"startstr\":\"Sun Nov 29 02:28:11 2026\",\"scaninfo\":[{\"type\":"
      "\"connect\",\"protocol\":\"tcp\",\"numservices\":1,\"services\":"
      "\"22\"}],\"verbose\":0,\"debugging\":0}\n"
      "{\"type\":\"host\",\"addr\":\"127.0.0.1\",\"addrtype\":\"ipv4\","
      "\"hostnames\":[],\"other_addrs\":[],\"status\":\"up\",\"reason\":"
      "\"user-set\",\"reason_ttl\":0,\"starttime\":1795919291.000000,"
      "\"endtime\":1795919291.000000,\"times\":{\"srtt\":566,\"rttvar\":270,"
      "\"to\":100000},\"ports\":[{\"protocol\":\"tcp\",\"portid\":22,"
      "\"state\":\"open\",\"reason\":\"syn-ack\",\"reason_ttl\":0,"
      "\"service\":{\"name\":\"ssh\",\"method\":\"table\",\"conf\":3},"
      "\"scripts\":[{\"id\":\"s\",\"output\":{\"$base64\":\"YQCA\"},"
      "\"data\":{\"$$k\":{\"$base64\":\"YQCA\"},\"ok\":\"\xc3\xa9\\n\"}}]}],"
      "\"extraports\":[],\"scripts\":[]}\n"
      "{\"type\":\"stats\",\"end\":1795919291.000000,\"endstr\":\"Sun Nov 29 "
      "02:28:11 2026\",\"elapsed\":0.040,\"hosts\":{\"up\":1,\"down\":0,"
      "\"total\":1},\"exit\":\"success\"}\n");
  fix_free(&r, h, out);
}

/* The checker: every line is strict JSON; decoded byte strings and tables
 * equal what the C side stored. */
static const char checker[] =
    "import base64, json, sys\n"
    "def b(v):\n"
    "    if isinstance(v, str):\n"
    "        return v.encode('utf-8')\n"
    "    assert isinstance(v, dict) and list(v) == ['$base64'], v\n"
    "    return base64.b64decode(v['$base64'], validate=True)\n"
    "def t(v):\n"
    "    # Decoded structure: ('T', [(key or None, value)]) or bytes.\n"
    "    if isinstance(v, list):\n"
    "        return ('T', [(None, t(x)) for x in v])\n"
    "    if isinstance(v, dict) and list(v) == ['$table']:\n"
    "        out = []\n"
    "        for x in v['$table']:\n"
    "            if isinstance(x, dict) and list(x) == ['$key', '$value']:\n"
    "                out.append((b(x['$key']), t(x['$value'])))\n"
    "            else:\n"
    "                out.append((None, t(x)))\n"
    "        return ('T', out)\n"
    "    if isinstance(v, dict) and list(v) != ['$base64']:\n"
    "        return ('T', [((k[1:] if k.startswith('$') else k).encode(),\n"
    "                       t(x)) for k, x in v.items()])\n"
    "    return b(v)\n"
    "recs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]\n"
    "types = [r['type'] for r in recs]\n"
    "assert types == ['run', 'prescan', 'host', 'host', 'postscan', 'stats'],"
    " types\n"
    "zeta = bytes.fromhex(sys.argv[2]); bell = bytes.fromhex(sys.argv[3])\n"
    "h = recs[2]\n"
    "assert h['hostnames'][0]['name'] == 'lo--cal\"host'\n"
    "p = {x['portid']: x for x in h['ports']}\n"
    "s = p[38997]['scripts']\n"
    "assert [x['id'] for x in s] == ['outtest', 'zz-second']\n"
    "assert b(s[0]['output']) == bell, b(s[0]['output'])\n"
    "assert 'data' not in s[0]\n"
    "assert t(s[1]['data']) == ('T', [(None, b'a'), (None, b'b')])\n"
    "assert b(p[443]['service']['product']) == b'nginx <\\x01>'\n"
    "assert p[443]['service']['cpe'] == ['cpe:/a:igor_sysoev:nginx']\n"
    "hs = h['scripts'][0]\n"
    "lst = ('T', [(None, b'x'), (None, ('T', [(None, b'y'), (b'k', b'v')])),\n"
    "             (None, ('T', []))])\n"
    "base = [(b'zeta', zeta), (b'list', lst), (b'empty', ('T', [])),\n"
    "        (b'key with \"q\" & <>', b'v')]\n"
    "odd = [(b'odd', ('T', [(b'$base64', b'k')])), (b'\\xff', b'bad key'),\n"
    "       (b'dup', b'1'), (b'dup', b'2')]\n"
    "assert list(hs['data']) == ['$table'], hs['data']\n"
    "assert t(hs['data']) == ('T', base + odd), t(hs['data'])\n"
    "zz = h['scripts'][1]\n"
    "assert list(zz['data']) == ['zeta', 'list', 'empty', 'key with \"q\" & "
    "<>']\n"
    "assert t(zz['data']) == ('T', base), t(zz['data'])\n"
    "assert b(hs['output']).startswith(b'\\n  zeta: ' + zeta)\n"
    "assert recs[3]['status'] == 'down' and 'ports' not in recs[3]\n"
    "assert b(recs[4]['scripts'][0]['output']) == b''\n"
    "st = recs[5]\n"
    "assert st['exit'] == 'error' and st['errormsg'] == 'interrupted'\n"
    "assert st['hosts'] == {'up': 1, 'down': 1, 'total': 2}\n";

static void hex(char *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", (unsigned char)s[i]);
}

static void test_python_round_trip(void **state) {
  (void)state;
  if (!fix_have("python3")) {
    print_message("SKIP: python3 is missing\n");
    skip();
  }
  struct fix_run r;
  fix_run_init(&r, "portolan", "22,443");
  struct host *h[2];
  h[0] = fix_script_host(&r);
  h[0]->targetname = xstrdup("lo--cal\"host");
  /* A table no JSON object can hold: a '$' key nested, a key that is not
   * UTF-8, a repeated key. */
  struct snode *t = h[0]->scripts.items[1]->structured; /* "outtest" */
  struct snode *odd = snode_new_table("odd");
  snode_append(odd, snode_new_elem("$base64", "k", 1));
  snode_append(t, odd);
  snode_append(t, snode_new_elem("\xff", "bad key", 7));
  snode_append(t, snode_new_elem("dup", "1", 1));
  snode_append(t, snode_new_elem("dup", "2", 1));
  struct port *pt =
      host_port_set(h[0], PROTO_TCP, 443, PS_OPEN, RSN_SYN_ACK, 0);
  struct service *s = port_service(pt);
  service_set_str(&s->name, "http");
  service_set_str(&s->product, "nginx <\x01>");
  s->cpe = xcalloc(1, sizeof *s->cpe);
  s->cpe[0] = xstrdup("cpe:/a:igor_sysoev:nginx");
  s->ncpe = 1;
  h[1] = fix_host("::1");
  h[1]->status = HOST_DOWN;
  r.o.verbosity = 1;
  r.st.hosts_down = 1;
  r.st.hosts_total = 2;
  r.st.interrupted = 1;
  char *out = fix_render(writer_json_new, &r, h, 2);
  /* One record per line. */
  size_t lines = 0;
  for (const char *p = out; *p; p++)
    lines += *p == '\n';
  assert_int_equal(lines, 6);
  const char *data = fix_tmpfile(0, out, ".jsonl");
  const char *prog = fix_tmpfile(1, checker, ".py");
  char zhex[2 * sizeof fix_zeta + 1], bhex[2 * sizeof fix_bell + 1];
  hex(zhex, fix_zeta, FIX_ZETA_LEN);
  hex(bhex, fix_bell, FIX_BELL_LEN);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "python3 %s %s %s %s", prog, data, zhex, bhex);
  int rc = system(cmd);
  assert_int_equal(rc, 0);
  unlink(data);
  unlink(prog);
  free(out);
  host_free(h[0]);
  host_free(h[1]);
  fix_run_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_records),
      cmocka_unit_test(test_python_round_trip),
  };
  return cmocka_run_group_tests(tests, fix_setup, fix_teardown);
}
