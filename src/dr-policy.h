/*
 * dr-policy.h: a domain's migration policy, kept in its domain XML
 *
 * The policy is one element in our own namespace inside the domain's
 * <metadata>, so it travels with the domain and any libvirt client can
 * read and write it:
 *
 *   <dirtyrate:policy xmlns:dirtyrate="https://virt-dirtyrate.org/xmlns/policy/1">
 *     <dirtyrate:measure mode="auto" period="3s" sample-pages="512"
 *                        every="5min" qmp="forbid"/>
 *     <dirtyrate:network bandwidth="10Gbit/s"/>
 *     <dirtyrate:limits max-downtime="300ms" max-time="10min" when-exceeded="abort"/>
 *     <dirtyrate:xbzrle use="auto" cache="auto" max-cache="25%"/>
 *     <dirtyrate:escalate auto-converge="yes" auto-converge-initial="20%"
 *                         auto-converge-increment="10%" postcopy="no"/>
 *   </dirtyrate:policy>
 *
 * Every setting is a key ("xbzrle.cache") that names an element and an
 * attribute; an absent one means "decide for me" and has a documented
 * default.  schemas/policy.rng is the grammar.
 */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

#define DR_POLICY_NS "https://virt-dirtyrate.org/xmlns/policy/1"
#define DR_POLICY_PREFIX "dirtyrate"
/* The largest policy document (or domain XML holding one) read. */
#define DR_POLICY_MAX_BYTES (1024 * 1024)

typedef enum {
    DR_POLICY_TYPE_ENUM,
    DR_POLICY_TYPE_DURATION,
    DR_POLICY_TYPE_SIZE_OR_AUTO,
    DR_POLICY_TYPE_SIZE_OR_PERCENT,
    DR_POLICY_TYPE_PERCENT,
    DR_POLICY_TYPE_BANDWIDTH_OR_MEASURE,
    DR_POLICY_TYPE_COUNT,
} DrPolicyType;

typedef struct {
    const char *key;          /* "element.attribute" */
    const char *element;
    const char *attribute;
    DrPolicyType type;
    const char *const *values; /* DR_POLICY_TYPE_ENUM */
    const char *def;          /* the default, as written */
    uint64_t min, max;        /* ms, bytes, pages or percent; 0 and 0: none */
    const char *help;         /* N_() */
} DrPolicyKey;

/* The keys, in document order; the last entry has a NULL key. */
const DrPolicyKey *dr_policy_keys(void);
const DrPolicyKey *dr_policy_key_lookup(const char *key);

typedef struct _DrPolicy DrPolicy;

DrPolicy *dr_policy_new(void);
DrPolicy *dr_policy_copy(const DrPolicy *p);
void dr_policy_free(DrPolicy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrPolicy, dr_policy_free)

/**
 * dr_policy_parse:
 * @xml: a policy document (the <policy> element), or a whole domain XML
 *       whose <metadata> holds one
 * @len: its length in bytes, or -1 when NUL-terminated; a NUL byte
 *       within @len is refused, as is more than DR_POLICY_MAX_BYTES
 *
 * Checks it against schemas/policy.rng (found in @schema_dir, or the
 * installed one when NULL), then every value against its key's range.
 *
 * Returns: the policy, or NULL with @error naming the line, the key or
 * the value that was wrong.
 */
DrPolicy *dr_policy_parse(const char *xml, gssize len, const char *schema_dir, GError **error);

/* The policy as a document; absent settings are left out. */
char *dr_policy_format(const DrPolicy *p);

/* Sets one key from text as a person writes it ("xbzrle.cache=512MiB"
 * is key "xbzrle.cache", value "512MiB"); FALSE with @error naming the
 * key and the value's rules, and @p unchanged. */
gboolean dr_policy_set(DrPolicy *p, const char *key, const char *value, GError **error);
/* Forgets a key: it goes back to its default. */
void dr_policy_unset(DrPolicy *p, const char *key);

/* The value as stored (canonical), or NULL when it is not set. */
const char *dr_policy_get(const DrPolicy *p, const char *key);
/* The value in force: the stored one or the default. */
const char *dr_policy_get_effective(const DrPolicy *p, const char *key, gboolean *is_default);

gboolean dr_policy_equal(const DrPolicy *a, const DrPolicy *b);
gboolean dr_policy_is_empty(const DrPolicy *p);

/* ---- in a domain ----------------------------------------------------- */

/* @flags: VIR_DOMAIN_AFFECT_CURRENT, _LIVE or _CONFIG.  A domain without
 * a policy gives an empty policy (all defaults); one whose stored policy
 * is not valid gives DR_ERROR_STORED_POLICY, and only storing a new
 * policy (an empty one removes it) mends it. */
DrPolicy *dr_policy_load(virDomainPtr dom, unsigned int flags, const char *schema_dir,
                         GError **error);
/* Checks that @p, once formatted, follows the schema and reads back as
 * @p; FALSE with @error saying why not. */
gboolean dr_policy_check(const DrPolicy *p, const char *schema_dir, GError **error);
/* Checks @p (dr_policy_check), then stores it (an empty policy removes
 * the element).  Other namespaces' metadata are not touched. */
gboolean dr_policy_store(virDomainPtr dom, const DrPolicy *p, unsigned int flags,
                         const char *schema_dir, GError **error);

G_END_DECLS
