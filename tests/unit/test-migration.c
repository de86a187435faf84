/*
 * test-migration.c: libvirt's parameters for each kind of plan, what both
 * ends support, and the status element's history
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <libxml/relaxng.h>

#include "dr-error.h"
#include "dr-migcaps.h"
#include "dr-migparams.h"
#include "dr-status.h"

static char *
joined(const DrMigParams *p)
{
    g_auto(GStrv) v = dr_mig_params_to_strv(p);
    g_auto(GStrv) f = dr_mig_params_flag_names(p->flags);
    g_autofree char *a = g_strjoinv(" ", v);
    g_autofree char *b = g_strjoinv("|", f);
    return g_strdup_printf("%s ; %s", a, b);
}

static void
check_params(const DrMigSettings *s, double bw, const char *uri, unsigned int flags,
             const char *want)
{
    DrMigParams p;
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;

    g_assert_true(dr_mig_params_build(s, bw, uri, flags, &p, &err));
    g_assert_no_error(err);
    got = joined(&p);
    g_assert_cmpstr(got, ==, want);
    dr_mig_params_clear(&p);
}

static void
test_params_per_plan(void)
{
    DrMigSettings s = { 0 };

    /* None: the bandwidth limit in whole MiB/s, never 0. */
    check_params(&s, 40 * 1048576.0, NULL, 0, "bandwidth=40 ; VIR_MIGRATE_LIVE");
    check_params(&s, 1000.0, "tcp://127.0.0.1:4000", 0,
                 "migrate_uri=tcp://127.0.0.1:4000 bandwidth=1 ; VIR_MIGRATE_LIVE");
    /* XBZRLE with its cache. */
    s.compression = DR_MIG_COMPRESSION_XBZRLE;
    s.xbzrle_cache = 256ULL << 20;
    check_params(&s, 40 * 1048576.0, NULL, VIR_MIGRATE_PERSIST_DEST,
                 "bandwidth=40 compression=xbzrle compression.xbzrle.cache=268435456 ; "
                 "VIR_MIGRATE_LIVE|VIR_MIGRATE_PERSIST_DEST|VIR_MIGRATE_COMPRESSED");
    /* Auto-converge with its steps. */
    s.auto_converge = TRUE;
    s.auto_converge_initial = 20;
    s.auto_converge_increment = 10;
    check_params(&s, 40 * 1048576.0, NULL, 0,
                 "bandwidth=40 compression=xbzrle compression.xbzrle.cache=268435456 "
                 "auto_converge.initial=20 auto_converge.increment=10 ; "
                 "VIR_MIGRATE_LIVE|VIR_MIGRATE_COMPRESSED|VIR_MIGRATE_AUTO_CONVERGE");
    /* multifd with zstd. */
    memset(&s, 0, sizeof(s));
    s.compression = DR_MIG_COMPRESSION_ZSTD;
    s.parallel = 2;
    check_params(&s, 1e9, NULL, VIR_MIGRATE_PEER2PEER,
                 "bandwidth=953 compression=zstd parallel.connections=2 ; "
                 "VIR_MIGRATE_LIVE|VIR_MIGRATE_PEER2PEER|VIR_MIGRATE_COMPRESSED|VIR_MIGRATE_PARALLEL");
    /* Postcopy. */
    memset(&s, 0, sizeof(s));
    s.postcopy = TRUE;
    check_params(&s, 40 * 1048576.0, NULL, 0,
                 "bandwidth=40 ; VIR_MIGRATE_LIVE|VIR_MIGRATE_POSTCOPY");
}

static void
test_params_refuse_zero_bandwidth(void)
{
    DrMigSettings s = { 0 };
    DrMigParams p;
    g_autoptr(GError) err = NULL;

    g_assert_false(dr_mig_params_build(&s, 0, NULL, 0, &p, &err));
    g_assert_nonnull(err);
    g_assert_null(p.params);
    g_clear_error(&err);

    /* dirty-limit has no libvirt parameter: refused, not dropped. */
    s.dirty_limit = 1048576;
    g_assert_false(dr_mig_params_build(&s, 1e9, NULL, 0, &p, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_UNSUPPORTED);
}

#define V(a, b, c) ((unsigned long)(a) * 1000000UL + (b) * 1000UL + (c))

static void
test_caps(void)
{
    DrMigCapsEnd deb12 = { V(9, 0, 0), V(7, 2, 0) };
    DrMigCapsEnd deb13 = { V(11, 3, 0), V(10, 0, 13) };
    DrMigCapsEnd ancient = { V(1, 0, 0), V(1, 5, 0) };
    g_auto(GStrv) notes = NULL;
    unsigned int caps;
    const char *kvm_ring = "<domain type='kvm'><features><kvm><dirty-ring state='on' size='4096'/></kvm></features></domain>";

    caps = dr_mig_caps_compute(&deb12, &deb12, NULL, NULL);
    g_assert_cmpuint(caps, ==, DR_MIG_CAP_XBZRLE | DR_MIG_CAP_AUTO_CONVERGE |
                     DR_MIG_CAP_POSTCOPY | DR_MIG_CAP_MULTIFD);
    /* zstd and zlib need libvirt 9.4 at both ends. */
    caps = dr_mig_caps_compute(&deb13, &deb13, NULL, NULL);
    g_assert_cmpuint(caps & DR_MIG_CAP_MULTIFD_ZSTD, !=, 0);
    caps = dr_mig_caps_compute(&deb13, &deb12, NULL, NULL);
    g_assert_cmpuint(caps & DR_MIG_CAP_MULTIFD_ZSTD, ==, 0);
    /* A destination without XBZRLE, and the note says which end lacks what. */
    caps = dr_mig_caps_compute(&deb12, &ancient, NULL, &notes);
    g_assert_cmpuint(caps & DR_MIG_CAP_XBZRLE, ==, 0);
    g_assert_cmpstr(notes[0], ==, "xbzrle: no: the destination lacks QEMU >= 1.6.0");
    /* Dirty-limit: KVM with the dirty ring and QEMU 8.1 at both ends. */
    g_assert_cmpuint(dr_mig_caps_compute(&deb13, &deb13, kvm_ring, NULL) & DR_MIG_CAP_DIRTY_LIMIT, !=, 0);
    g_assert_cmpuint(dr_mig_caps_compute(&deb12, &deb13, kvm_ring, NULL) & DR_MIG_CAP_DIRTY_LIMIT, ==, 0);
    g_assert_cmpuint(dr_mig_caps_compute(&deb13, &deb13, "<domain type='qemu'/>", NULL) &
                     DR_MIG_CAP_DIRTY_LIMIT, ==, 0);
}

static gboolean
notes_have(char **notes, const char *prefix)
{
    for (char **l = notes; l && *l; l++)
        if (g_str_has_prefix(*l, prefix))
            return TRUE;
    return FALSE;
}

/* TCG on a source QEMU before 9.0 loses guest stores in a migration: the
 * hazard is flagged and noted; KVM, and TCG on 9.0, are not flagged. */
static void
test_caps_tcg(void)
{
    DrMigCapsEnd deb12 = { V(9, 0, 0), V(7, 2, 0) };
    DrMigCapsEnd deb13 = { V(11, 3, 0), V(10, 0, 13) };
    DrMigCapsEnd fixed = { V(10, 0, 0), V(9, 0, 0) };
    const char *tcg = "<domain type='qemu'><name>g</name></domain>";
    const char *kvm = "<domain type='kvm'><name>g</name></domain>";
    g_auto(GStrv) n12 = NULL;
    g_auto(GStrv) n13 = NULL;
    g_auto(GStrv) nkvm = NULL;

    g_assert_cmpuint(dr_mig_caps_compute(&deb12, &deb13, tcg, &n12) &
                     DR_MIG_CAP_TCG_LOSES_STORES, !=, 0);
    g_assert_true(notes_have(n12, "TCG: the source's QEMU (< 9.0) can lose"));
    /* The source's sync is at fault, whatever the destination runs. */
    g_assert_cmpuint(dr_mig_caps_compute(&deb13, &deb12, tcg, &n13) &
                     DR_MIG_CAP_TCG_LOSES_STORES, ==, 0);
    g_assert_true(notes_have(n13, "TCG: the source's QEMU (>= 9.0) has the fix"));
    g_assert_cmpuint(dr_mig_caps_compute(&fixed, NULL, tcg, NULL) &
                     DR_MIG_CAP_TCG_LOSES_STORES, ==, 0);
    g_assert_cmpuint(dr_mig_caps_compute(&deb12, &deb12, kvm, &nkvm) &
                     DR_MIG_CAP_TCG_LOSES_STORES, ==, 0);
    g_assert_false(notes_have(nkvm, "TCG:"));
    g_assert_cmpuint(dr_mig_caps_compute(&deb12, &deb12, NULL, NULL) &
                     DR_MIG_CAP_TCG_LOSES_STORES, ==, 0);
}

static void G_GNUC_PRINTF(2, 3)
quiet_error(void *ctx, const char *msg, ...)
{
}

/* @xml against schemas/status.rng. */
static void
assert_status_valid(const char *xml)
{
    g_autofree char *path = g_build_filename(TOP_SRCDIR, "schemas", "status.rng", NULL);
    xmlRelaxNGParserCtxt *pctxt = xmlRelaxNGNewParserCtxt(path);
    xmlRelaxNG *rng = xmlRelaxNGParse(pctxt);
    xmlRelaxNGValidCtxt *vctxt;
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "status.xml", NULL, XML_PARSE_NONET);
    int rc;

    g_assert_nonnull(rng);
    g_assert_nonnull(doc);
    vctxt = xmlRelaxNGNewValidCtxt(rng);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    if (rc != 0)
        g_printerr("not valid against status.rng: %s\n", xml);
    g_assert_cmpint(rc, ==, 0);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(rng);
    xmlRelaxNGFreeParserCtxt(pctxt);
    xmlFreeDoc(doc);
}

static void
test_status_history(void)
{
    DrStatusMigration m = { 0 };
    g_autoptr(GDateTime) t = g_date_time_new_utc(2026, 11, 22, 19, 30, 0);
    g_autofree char *xml = NULL;

    m.time = t;
    m.plan = "xbzrle 256MiB";
    m.outcome = "completed";
    m.predicted.converges = TRUE;
    m.predicted.total_ms = 15600;
    m.predicted.downtime_ms = 20;
    m.predicted.bytes = 1000;
    m.predicted.rounds = 5;
    m.have_actual = TRUE;
    m.actual.total_ms = 17100;
    m.actual.downtime_ms = 37;
    m.actual.bytes = 900;
    m.actual.rounds = 6;
    xml = dr_status_append(NULL, &m);
    g_assert_cmpstr(xml, ==,
        "<status xmlns=\"https://virt-dirtyrate.org/xmlns/status/1\">"
        "<migration time=\"2026-11-22T19:30:00Z\" plan=\"xbzrle 256MiB\" outcome=\"completed\">"
        "<predicted converges=\"yes\" total-ms=\"15600\" downtime-ms=\"20\" bytes=\"1000\" rounds=\"5\"/>"
        "<actual total-ms=\"17100\" downtime-ms=\"37\" bytes=\"900\" rounds=\"6\"/>"
        "</migration></status>");
    assert_status_valid(xml);

    /* The newest ten are kept. */
    for (int i = 0; i < 12; i++) {
        g_autofree char *next = NULL;
        m.predicted.rounds = (unsigned int)(100 + i);
        next = dr_status_append(xml, &m);
        g_free(xml);
        xml = g_steal_pointer(&next);
    }
    g_assert_null(strstr(xml, "rounds=\"5\""));
    g_assert_null(strstr(xml, "rounds=\"101\""));
    g_assert_nonnull(strstr(xml, "rounds=\"102\""));
    g_assert_nonnull(strstr(xml, "rounds=\"111\""));
    assert_status_valid(xml);

    /* Every outcome the command writes, with and without actual figures. */
    {
        const char *outcomes[] = { "completed", "forced", "failed", "aborted", "timed-out" };

        for (size_t i = 0; i < G_N_ELEMENTS(outcomes); i++) {
            g_autofree char *one = NULL;

            m.outcome = outcomes[i];
            m.have_actual = i % 2 == 0;
            m.from = i == 1 ? "src-host" : NULL;
            one = dr_status_append(NULL, &m);
            assert_status_valid(one);
        }
        /* The schema is no rubber stamp: an outcome it does not know fails. */
        {
            g_autofree char *bad = NULL;
            g_autofree char *path = g_build_filename(TOP_SRCDIR, "schemas", "status.rng", NULL);
            xmlRelaxNGParserCtxt *pctxt = xmlRelaxNGNewParserCtxt(path);
            xmlRelaxNG *rng = xmlRelaxNGParse(pctxt);
            xmlRelaxNGValidCtxt *vctxt = xmlRelaxNGNewValidCtxt(rng);
            xmlDoc *doc;

            m.outcome = "exploded";
            bad = dr_status_append(NULL, &m);
            doc = xmlReadMemory(bad, (int)strlen(bad), "status.xml", NULL, XML_PARSE_NONET);
            xmlRelaxNGSetValidErrors(vctxt, quiet_error, quiet_error, NULL);
            g_assert_cmpint(xmlRelaxNGValidateDoc(vctxt, doc), !=, 0);
            xmlFreeDoc(doc);
            xmlRelaxNGFreeValidCtxt(vctxt);
            xmlRelaxNGFree(rng);
            xmlRelaxNGFreeParserCtxt(pctxt);
            m.outcome = "completed";
        }
    }

    /* As libvirt hands it back: the prefix declared, no element in the
     * namespace.  The history is kept, and the result is valid. */
    {
        const char *from_libvirt =
            "<status xmlns:dirtyrate-status=\"https://virt-dirtyrate.org/xmlns/status/1\">\n"
            "  <migration time=\"2026-11-22T21:51:26.225527Z\" plan=\"xbzrle 256MiB\" outcome=\"completed\" from=\"vm\">\n"
            "    <predicted converges=\"yes\" total-ms=\"17602\" downtime-ms=\"20\" bytes=\"675376567\" rounds=\"5\"/>\n"
            "    <actual total-ms=\"16604\" downtime-ms=\"46\" bytes=\"660645912\" rounds=\"7\"/>\n"
            "  </migration>\n"
            "</status>";
        g_autofree char *next = dr_status_append(from_libvirt, &m);

        g_assert_nonnull(strstr(next, "total-ms=\"17602\""));
        /* Written back, the prefix libvirt declared would make it refuse
         * the element: ours is the one default namespace. */
        g_assert_true(g_str_has_prefix(next, "<status xmlns=\"https://virt-dirtyrate.org/xmlns/status/1\">"));
        g_assert_null(strstr(next, "xmlns:dirtyrate-status"));
        g_assert_nonnull(strstr(next, "rounds=\"111\""));
        assert_status_valid(next);
    }

    /* Something else in our namespace's place is replaced, not kept. */
    {
        g_autofree char *fresh = dr_status_append("<other/>", &m);
        g_assert_true(g_str_has_prefix(fresh, "<status xmlns=\"https://virt-dirtyrate.org/xmlns/status/1\"><migration "));
    }
}

/* The daemon's measurement: first, replaced by the next, the migrations
 * kept; unknown figures left out; steering actions escaped. */
static void
test_status_measurement(void)
{
    g_autoptr(GDateTime) t = g_date_time_new_utc(2026, 11, 23, 10, 0, 0);
    DrStatusMeasurement me = { 0 };
    DrStatusMigration m = { 0 };
    const char *actions[] = { "Round 3: cache 64 MiB -> 128 MiB <missed 80%>", NULL };
    g_autofree char *xml = NULL;
    g_autofree char *xml2 = NULL;
    g_autofree char *xml3 = NULL;

    m.time = t;
    m.plan = "observed";
    m.outcome = "failed";
    m.actions = actions;
    xml = dr_status_append(NULL, &m);
    g_assert_nonnull(strstr(xml, "<action>Round 3: cache 64 MiB -&gt; 128 MiB &lt;missed 80%&gt;</action>"));
    assert_status_valid(xml);

    me.time = t;
    me.dirty_rate = 8388608;
    me.dirty_rate_low = 7000000.4;
    me.dirty_rate_high = 9000000;
    me.wss_bytes = me.wss_low_bytes = me.wss_high_bytes = NAN;
    me.wss_model = NULL;
    me.xbzrle_ratio = 6.25;
    me.changed = NAN;
    me.plan = "xbzrle 256MiB";
    me.bandwidth = 41943040;
    me.predicted.converges = TRUE;
    me.predicted.total_ms = 15600;
    me.predicted.downtime_ms = 20;
    me.predicted.bytes = 1000;
    me.predicted.rounds = 5;
    xml2 = dr_status_set_measurement(xml, &me);
    g_assert_true(g_str_has_prefix(xml2,
        "<status xmlns=\"https://virt-dirtyrate.org/xmlns/status/1\">"
        "<measurement time=\"2026-11-23T10:00:00Z\" dirty-rate=\"8388608\" "
        "dirty-rate-low=\"7000000\" dirty-rate-high=\"9000000\" xbzrle-ratio=\"6.25\">"
        "<advice plan=\"xbzrle 256MiB\" bandwidth=\"41943040\" converges=\"yes\" "
        "total-ms=\"15600\" downtime-ms=\"20\" bytes=\"1000\" rounds=\"5\"/></measurement>"
        "<migration "));
    assert_status_valid(xml2);

    /* A plan with a throttle: the cache prepared for a plain migration
     * goes beside it, with its own prediction. */
    {
        g_autofree char *xp = NULL;
        g_autofree char *pp = NULL;
        DrStatusFigures pf;

        me.plan = "xbzrle 256MiB + auto-converge";
        me.prepared_plan = "xbzrle 256MiB";
        me.prepared.converges = TRUE;
        me.prepared.total_ms = 16700;
        me.prepared.downtime_ms = 21;
        me.prepared.bytes = 2000;
        me.prepared.rounds = 6;
        xp = dr_status_set_measurement(xml, &me);
        g_assert_nonnull(strstr(xp,
            "<advice plan=\"xbzrle 256MiB + auto-converge\" bandwidth=\"41943040\" converges=\"yes\" "
            "total-ms=\"15600\" downtime-ms=\"20\" bytes=\"1000\" rounds=\"5\">"
            "<prepared plan=\"xbzrle 256MiB\" converges=\"yes\" total-ms=\"16700\" "
            "downtime-ms=\"21\" bytes=\"2000\" rounds=\"6\"/></advice>"));
        assert_status_valid(xp);
        g_assert_true(dr_status_read_prepared(xp, &pp, &pf));
        g_assert_cmpstr(pp, ==, "xbzrle 256MiB");
        g_assert_cmpuint(pf.total_ms, ==, 16700);
        g_assert_cmpuint(pf.rounds, ==, 6);
        /* none where the plan is what a plain migration runs */
        g_clear_pointer(&pp, g_free);
        g_assert_false(dr_status_read_prepared(xml2, &pp, &pf));
        g_assert_null(pp);
        g_assert_cmpuint(pf.total_ms, ==, 0);
        me.plan = "xbzrle 256MiB";
        me.prepared_plan = NULL;
    }

    /* The next replaces it; without advice there is no <advice>. */
    me.plan = NULL;
    me.dirty_rate = 1;
    me.wss_bytes = 2e6;
    me.wss_low_bytes = 1.5e6;
    me.wss_high_bytes = 1073741824;
    me.wss_model = "exponential";
    xml3 = dr_status_set_measurement(xml2, &me);
    g_assert_null(strstr(xml3, "8388608"));
    g_assert_null(strstr(xml3, "<advice"));
    g_assert_nonnull(strstr(xml3, "working-set=\"2000000\" working-set-low=\"1500000\" "
                                  "working-set-high=\"1073741824\" model=\"exponential\""));
    g_assert_nonnull(strstr(xml3, "outcome=\"failed\""));
    assert_status_valid(xml3);

    /* Ten more migrations: the measurement is not pruned with them. */
    for (int i = 0; i < 12; i++) {
        g_autofree char *next = dr_status_append(xml3, &m);
        g_free(xml3);
        xml3 = g_steal_pointer(&next);
    }
    g_assert_nonnull(strstr(xml3, "<measurement "));
    assert_status_valid(xml3);
}

/* What a destination reads back of the advice that travelled with the
 * domain, as libvirt returns it (its own prefix, our namespace). */
static void
test_status_read_advice(void)
{
    const char *from_libvirt =
        "<dirtyrate-status:status xmlns:dirtyrate-status=\"" DR_STATUS_NS "\">"
        "<dirtyrate-status:measurement time=\"2026-11-23T10:00:00Z\" dirty-rate=\"1\">"
        "<dirtyrate-status:advice plan=\"xbzrle 256MiB\" converges=\"yes\" total-ms=\"15600\" "
        "downtime-ms=\"20\" bytes=\"1000\" rounds=\"5\"/></dirtyrate-status:measurement>"
        "</dirtyrate-status:status>";
    const char *bad[] = {
        NULL,
        "<status xmlns=\"" DR_STATUS_NS "\"/>",
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement time=\"2026-11-23T10:00:00Z\"/></status>",
        /* Out of range, negative, missing, not a number, not yes/no. */
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"none\" converges=\"yes\" "
        "total-ms=\"1\" downtime-ms=\"1\" bytes=\"1\" rounds=\"4294967296\"/></measurement></status>",
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"none\" converges=\"yes\" "
        "total-ms=\"-1\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/></measurement></status>",
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"none\" converges=\"yes\" "
        "downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/></measurement></status>",
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"none\" converges=\"yes\" "
        "total-ms=\"1e3\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/></measurement></status>",
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"none\" converges=\"maybe\" "
        "total-ms=\"1\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/></measurement></status>",
        "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"\" converges=\"no\" "
        "total-ms=\"1\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/></measurement></status>",
        /* Someone else's namespace, and not XML. */
        "<status xmlns=\"urn:other\"><measurement><advice plan=\"none\" converges=\"no\" "
        "total-ms=\"1\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/></measurement></status>",
        "<status",
    };
    g_autofree char *plan = NULL;
    DrStatusFigures f;

    g_assert_true(dr_status_read_advice(from_libvirt, &plan, &f));
    g_assert_cmpstr(plan, ==, "xbzrle 256MiB");
    g_assert_true(f.converges);
    g_assert_cmpuint(f.total_ms, ==, 15600);
    g_assert_cmpuint(f.downtime_ms, ==, 20);
    g_assert_cmpuint(f.bytes, ==, 1000);
    g_assert_cmpuint(f.rounds, ==, 5);

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *p = NULL;
        g_test_message("%zu: %s", i, bad[i] ? bad[i] : "(null)");
        g_assert_false(dr_status_read_advice(bad[i], &p, &f));
        g_assert_null(p);
        g_assert_cmpuint(f.total_ms, ==, 0);
        g_assert_false(f.converges);
    }

    /* A prepared setting as libvirt returns it; a malformed one is none,
     * and does not spoil the advice. */
    {
        const char *with_prepared =
            "<dirtyrate-status:status xmlns:dirtyrate-status=\"" DR_STATUS_NS "\">"
            "<dirtyrate-status:measurement time=\"2026-11-23T10:00:00Z\">"
            "<dirtyrate-status:advice plan=\"xbzrle 256MiB + auto-converge\" converges=\"yes\" "
            "total-ms=\"15600\" downtime-ms=\"20\" bytes=\"1000\" rounds=\"5\">"
            "<dirtyrate-status:prepared plan=\"xbzrle 256MiB\" converges=\"no\" "
            "total-ms=\"120000\" downtime-ms=\"900\" bytes=\"7\" rounds=\"40\"/>"
            "</dirtyrate-status:advice></dirtyrate-status:measurement></dirtyrate-status:status>";
        const char *bad_prepared =
            "<status xmlns=\"" DR_STATUS_NS "\"><measurement><advice plan=\"a\" converges=\"yes\" "
            "total-ms=\"1\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"><prepared plan=\"b\" "
            "converges=\"yes\" total-ms=\"x\" downtime-ms=\"1\" bytes=\"1\" rounds=\"1\"/>"
            "</advice></measurement></status>";
        g_autofree char *p = NULL;
        g_autofree char *q = NULL;

        g_assert_true(dr_status_read_prepared(with_prepared, &p, &f));
        g_assert_cmpstr(p, ==, "xbzrle 256MiB");
        g_assert_false(f.converges);
        g_assert_cmpuint(f.total_ms, ==, 120000);
        g_assert_cmpuint(f.rounds, ==, 40);
        g_clear_pointer(&p, g_free);
        g_assert_false(dr_status_read_prepared(bad_prepared, &p, &f));
        g_assert_null(p);
        g_assert_true(dr_status_read_advice(bad_prepared, &q, &f));
        g_assert_cmpstr(q, ==, "a");
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migparams/per-plan", test_params_per_plan);
    g_test_add_func("/migparams/zero-bandwidth", test_params_refuse_zero_bandwidth);
    g_test_add_func("/migcaps/versions", test_caps);
    g_test_add_func("/migcaps/tcg-lost-stores", test_caps_tcg);
    g_test_add_func("/status/history", test_status_history);
    g_test_add_func("/status/measurement", test_status_measurement);
    g_test_add_func("/status/read-advice", test_status_read_advice);
    return g_test_run();
}
