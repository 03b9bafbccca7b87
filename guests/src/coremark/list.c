/*
 * The list part: LIST_NODES nodes (a 16-bit value and the node's original index) linked in a
 * static pool. Each iteration looks values up (a hit moves its node to the front, a miss
 * reverses the list), merge-sorts the list by value (bottom-up, no recursion), CRCs the
 * sorted values, changes one value, and sorts by index again, which restores the order.
 */
#include "coremark.h"

#define LIST_NODES	96
#define LIST_FINDS	8

struct node {
	struct node *next;
	int16_t value;
	uint16_t index;
};

static struct node pool[LIST_NODES];
static struct node *head;

void list_init(uint16_t seed)
{
	uint32_t rng = seed;
	for (int i = 0; i < LIST_NODES; i++) {
		pool[i].value = (int16_t)lcg16(&rng);
		pool[i].index = (uint16_t)i;
		pool[i].next = i + 1 < LIST_NODES ? &pool[i + 1] : NULL;
	}
	head = &pool[0];
}

static struct node *reverse(struct node *list)
{
	struct node *done = NULL;
	while (list) {
		struct node *next = list->next;
		list->next = done;
		done = list;
		list = next;
	}
	return done;
}

/* The node whose low byte of value is key (moved to the front), or NULL. */
static struct node *find(uint8_t key)
{
	struct node *prev = NULL;
	for (struct node *n = head; n; prev = n, n = n->next) {
		if ((uint8_t)n->value != key)
			continue;
		if (prev) {
			prev->next = n->next;
			n->next = head;
			head = n;
		}
		return n;
	}
	return NULL;
}

static int by_value(const struct node *a, const struct node *b)
{
	return a->value - b->value;
}

static int by_index(const struct node *a, const struct node *b)
{
	return a->index - b->index;
}

/* Bottom-up merge sort of a singly linked list (stable). */
static struct node *merge_sort(struct node *list, int (*cmp)(const struct node *, const struct node *))
{
	for (unsigned width = 1;; width *= 2) {
		struct node *p = list, *tail = NULL;
		unsigned merges = 0;
		list = NULL;
		while (p) {
			merges++;
			struct node *q = p;
			unsigned psize = 0, qsize = width;
			while (q && psize < width) {
				psize++;
				q = q->next;
			}
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0) {
					e = q; q = q->next; qsize--;
				} else if (qsize == 0 || !q || cmp(p, q) <= 0) {
					e = p; p = p->next; psize--;
				} else {
					e = q; q = q->next; qsize--;
				}
				if (tail)
					tail->next = e;
				else
					list = e;
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		if (merges <= 1)
			return list;
	}
}

uint16_t list_iteration(uint32_t iter, uint16_t crc)
{
	uint32_t found = 0, missed = 0;
	for (uint32_t i = 0; i < LIST_FINDS; i++) {
		struct node *n = find((uint8_t)(iter * 7 + i * 37));
		if (n) {
			found++;
			crc = crc16_u16((uint16_t)n->index, crc);
		} else {
			missed++;
			head = reverse(head);
		}
	}
	head = merge_sort(head, by_value);
	int i = 0;
	for (struct node *n = head; n; n = n->next, i++)
		if ((i & 3) == 0)
			crc = crc16_u16((uint16_t)n->value, crc);
	head->value ^= (int16_t)(iter * 0x9E37u);	/* the smallest value changes */
	head = merge_sort(head, by_index);
	crc = crc16_u16((uint16_t)(found << 8 | missed), crc);
	return crc16_u16((uint16_t)head->value, crc);
}
