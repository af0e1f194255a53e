/* Unit tests for the host/port model (src/core/host.c) and script result
 * trees (src/core/script_result.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/host.h"
#include "core/script_result.h"

static struct host *new_v4(const char *ip) {
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(99)};
  inet_pton(AF_INET, ip, &sin.sin_addr);
  return host_new((struct sockaddr *)&sin, sizeof sin);
}

static void test_host_new_text_and_family(void **state) {
  (void)state;
  struct host *h = new_v4("127.0.0.1");
  assert_string_equal(h->ip, "127.0.0.1");
  assert_int_equal(h->family, AF_INET);
  assert_int_equal(((struct sockaddr_in *)&h->addr)->sin_port, 0);
  host_free(h);

  struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
  inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
  h = host_new((struct sockaddr *)&sin6, sizeof sin6);
  assert_string_equal(h->ip, "::1");
  assert_int_equal(h->family, AF_INET6);
  host_free(h);
}

/* Every port survives insertion in a scrambled order, is found again, and
 * the sorted view is ascending. */
static void test_ports_scrambled_insert_and_sorted_view(void **state) {
  (void)state;
  struct host *h = new_v4("10.0.0.1");
  for (uint32_t i = 0; i < 65536; i++) {
    uint16_t n = (uint16_t)(i * 40503u); /* odd multiplier: a permutation */
    host_port_set(h, PROTO_TCP, n, (n % 7) ? PS_CLOSED : PS_OPEN,
                  (n % 7) ? RSN_CONN_REFUSED : RSN_SYN_ACK, 64);
  }
  assert_int_equal(host_port_count(h, PROTO_TCP), 65536);
  assert_null(host_port_get(h, PROTO_UDP, 53));
  struct port *p = host_port_get(h, PROTO_TCP, 7);
  assert_non_null(p);
  assert_int_equal(p->state, PS_OPEN);
  assert_int_equal(p->reason, RSN_SYN_ACK);
  size_t open = 0;
  for (uint32_t n = 0; n < 65536; n++)
    open += (n % 7) == 0;
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_OPEN), open);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_CLOSED), 65536 - open);

  size_t n;
  struct port *all = host_ports(h, PROTO_TCP, &n);
  assert_int_equal(n, 65536);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(all[i].number, i);
  /* Lookups still work after the sort rebuilt the index. */
  assert_int_equal(host_port_get(h, PROTO_TCP, 65535)->number, 65535);
  host_free(h);
}

static void test_state_change_moves_counts(void **state) {
  (void)state;
  struct host *h = new_v4("10.0.0.2");
  host_port_set(h, PROTO_UDP, 53, PS_OPEN_FILTERED, RSN_NO_RESPONSE, 0);
  assert_int_equal(host_state_count(h, PROTO_UDP, PS_OPEN_FILTERED), 1);
  host_port_set(h, PROTO_UDP, 53, PS_OPEN, RSN_SCRIPT_SET, 300);
  assert_int_equal(host_state_count(h, PROTO_UDP, PS_OPEN_FILTERED), 0);
  assert_int_equal(host_state_count(h, PROTO_UDP, PS_OPEN), 1);
  assert_int_equal(host_port_get(h, PROTO_UDP, 53)->reason_ttl, 255);
  assert_int_equal(host_port_count(h, PROTO_UDP), 1);
  host_free(h);
}

static void test_names_round_trip(void **state) {
  (void)state;
  enum port_state st;
  assert_int_equal(port_state_parse("open|filtered", &st), 0);
  assert_int_equal(st, PS_OPEN_FILTERED);
  assert_string_equal(port_state_name(PS_CLOSED_FILTERED), "closed|filtered");
  assert_int_equal(port_state_parse("opened", &st), PT_EPARSE);
  enum reason r;
  assert_int_equal(reason_parse("conn-refused", &r), 0);
  assert_int_equal(r, RSN_CONN_REFUSED);
  assert_string_equal(reason_name(RSN_SYN_ACK), "syn-ack");
  enum proto p;
  assert_int_equal(proto_parse("udp", &p), 0);
  assert_int_equal(p, PROTO_UDP);
  assert_int_equal(proto_parse("icmp", &p), PT_EPARSE);
  assert_string_equal(proto_name((enum proto)99), "unknown");
}

static void test_service_and_scripts_attach_lazily(void **state) {
  (void)state;
  struct host *h = new_v4("10.0.0.3");
  struct port *p = host_port_set(h, PROTO_TCP, 113, PS_OPEN, RSN_SYN_ACK, 0);
  assert_null(p->x);
  assert_false(port_has_scripts(p));
  struct service *s = port_service(p);
  assert_true(p->x->has_service);
  service_set_str(&s->name, "auth");
  assert_true(s->name_confidence == 3.0);
  sresults_add(port_scripts(p), sresult_new("zeta", "z", 1, NULL));
  sresults_add(port_scripts(p), sresult_new("auth-owners", "root\r", 5, NULL));
  assert_true(port_has_scripts(p));
  sresults_sort(port_scripts(p));
  assert_string_equal(port_scripts(p)->items[0]->id, "auth-owners");
  assert_int_equal(port_scripts(p)->items[0]->output_len, 5);
  host_free(h);
}

static void test_snode_tree_keeps_binary_values(void **state) {
  (void)state;
  struct snode *root = snode_new_table(NULL);
  snode_append(root, snode_new_elem(NULL, "a\0b", 3));
  struct snode *sub = snode_new_table("nested");
  snode_append(sub, snode_new_elem("k", "v", 1));
  snode_append(root, sub);
  assert_int_equal(root->first->value_len, 3);
  assert_memory_equal(root->first->value, "a\0b", 3);
  assert_null(root->first->key);
  assert_string_equal(root->last->key, "nested");
  assert_string_equal(root->last->first->value, "v");
  struct script_result *r = sresult_new("t", NULL, 0, root);
  assert_int_equal(r->output_len, 0);
  assert_string_equal(r->output, "");
  sresult_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_host_new_text_and_family),
      cmocka_unit_test(test_ports_scrambled_insert_and_sorted_view),
      cmocka_unit_test(test_state_change_moves_counts),
      cmocka_unit_test(test_names_round_trip),
      cmocka_unit_test(test_service_and_scripts_attach_lazily),
      cmocka_unit_test(test_snode_tree_keeps_binary_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
