/*
 * CPU slots: never more holders than slots, every slot used when threads
 * wait, a freed slot handed out again first, and the pool size rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "slots.h"
#include "util.h"

#define THREADS 6
#define ROUNDS 40

struct shared {
	struct slots slots;
	atomic_int inside, most;
	atomic_int owner[THREADS];	/* thread holding each slot, or -1 */
	atomic_int clash;		/* a slot held twice at once */
};

struct member {
	struct shared *s;
	int id;
	pthread_t tid;
};

static void *
member_main(void *arg)
{
	struct member *m = arg;
	struct timespec ts = { 0, 200 * 1000 };
	int now, seen, i, none;

	for (int r = 0; r < ROUNDS; r++) {
		i = slots_take(&m->s->slots);
		none = -1;
		if (i < 0 || i >= m->s->slots.n ||
		    !atomic_compare_exchange_strong(&m->s->owner[i], &none,
						    m->id))
			atomic_store(&m->s->clash, 1);
		now = atomic_fetch_add(&m->s->inside, 1) + 1;
		seen = atomic_load(&m->s->most);
		while (now > seen &&
		       !atomic_compare_exchange_weak(&m->s->most, &seen, now))
			;
		nanosleep(&ts, NULL);
		atomic_fetch_sub(&m->s->inside, 1);
		if (i >= 0 && i < m->s->slots.n)
			atomic_store(&m->s->owner[i], -1);
		slots_give(&m->s->slots, i);
	}
	return NULL;
}

static int
most_inside(int n)
{
	struct shared s;
	struct member m[THREADS];

	atomic_init(&s.inside, 0);
	atomic_init(&s.most, 0);
	atomic_init(&s.clash, 0);
	for (int i = 0; i < THREADS; i++)
		atomic_init(&s.owner[i], -1);
	assert_int_equal(slots_init(&s.slots, n, util_now_s()), 0);
	for (int i = 0; i < THREADS; i++) {
		m[i].s = &s;
		m[i].id = i;
		assert_int_equal(
			pthread_create(&m[i].tid, NULL, member_main, &m[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(m[i].tid, NULL);
	assert_int_equal(s.slots.nfree, n);
	slots_destroy(&s.slots);
	assert_int_equal(atomic_load(&s.clash), 0);
	return atomic_load(&s.most);
}

/* Holders never outnumber the slots; with six threads waiting, all fill. */
static void
test_slots_bound_holders(void **state)
{
	(void)state;
	assert_int_equal(most_inside(1), 1);
	assert_int_equal(most_inside(2), 2);
	assert_int_equal(most_inside(3), 3);
}

/* The slot given back last is taken next: its buffers are the warm ones. */
static void
test_slots_reuse_the_warm_one(void **state)
{
	struct slots s;
	int a, b;

	(void)state;
	assert_int_equal(slots_init(&s, 3, util_now_s()), 0);
	a = slots_take(&s);
	b = slots_take(&s);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	slots_give(&s, a);
	assert_int_equal(slots_take(&s), a);
	slots_give(&s, b);
	assert_int_equal(slots_take(&s), b);
	slots_destroy(&s);
}

static void
test_slots_for_caps_at_cpus(void **state)
{
	(void)state;
	assert_int_equal(slots_for(8, 2), 2);
	assert_int_equal(slots_for(1, 4), 1);
	assert_int_equal(slots_for(0, 4), 1);
	assert_int_equal(slots_for(64, 0), UTIL_MIN(64, util_cpus()));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_bound_holders),
		cmocka_unit_test(test_slots_reuse_the_warm_one),
		cmocka_unit_test(test_slots_for_caps_at_cpus),
	};

	return cmocka_run_group_tests_name("slots", tests, NULL, NULL);
}
