/*
 * out_json: JSON Lines, one object a line, for scripts and monitoring pipes.
 *
 * Keys come in the order the man page lists them (fixed for users' scripts), then the extra keys
 * (flags, sport, ts_source, icmp_from; duplicates, bad_checksum, late), so a
 * careless consumer that compares prefixes keeps working as keys are added.
 * Objects are written straight to the stream field by field (no buffer to
 * size) and flushed at each newline, because a monitoring pipe reads line by
 * line. Strings are escaped by one function shared with output_json_escape:
 * quote, backslash and control characters, and bytes that are not valid UTF-8
 * become U+FFFD, so any host the user typed still yields valid JSON. Numbers
 * that are not finite print as null: JSON has no nan or inf. Under -D the
 * records of probes, connections, checks and scripts end with "time", the
 * event's Unix time in seconds with microseconds; without -D the records are
 * as they were.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "out/output_impl.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms and surrogates. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0; /* also stops at the terminating NUL */
	return n;
}

/* The escaped form of the character at s into out (NUL-terminated, at most
 * 6 characters); *used gets the input bytes it took. */
static size_t json_escape_one(const unsigned char *s, char out[8], size_t *used)
{
	unsigned char c = s[0];
	size_t n;

	*used = 1;
	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		out[2] = '\0';
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, 8, "\\u%04x", (unsigned)c);
		return 6;
	}
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = '\0';
		return 1;
	}
	n = utf8_len(s);
	if (n == 0) {
		memcpy(out, "\\ufffd", 7);
		return 6;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	*used = n;
	return n;
}

void output_json_escape(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t at = 0;

	if (len == 0)
		return;
	while (*p != '\0') {
		char one[8];
		size_t used, n = json_escape_one(p, one, &used);
		if (at + n >= len)
			break; /* truncate between characters, never inside an escape */
		memcpy(buf + at, one, n);
		at += n;
		p += used;
	}
	buf[at] = '\0';
}

/* A JSON string, quotes included; NULL prints null. */
static void put_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p != '\0') {
		char one[8];
		size_t used, n = json_escape_one(p, one, &used);
		fwrite(one, 1, n, f);
		p += used;
	}
	fputc('"', f);
}

/* `,"key":` */
static void put_key(FILE *f, const char *key)
{
	fputc(',', f);
	put_str(f, key);
	fputc(':', f);
}

static void put_ms(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6f", v);
	else
		fputs("null", f);
}

static void put_pct(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.1f", v);
	else
		fputs("null", f);
}

static void put_bool(FILE *f, bool b)
{
	fputs(b ? "true" : "false", f);
}

/* -D: ,"time":1732950000.123456; nothing without -D or when the time is
 * unknown. */
static void put_time(const struct output *o, FILE *f, uint64_t time_ns)
{
	char t[OUT_UNIX_TIME_LEN];

	if (o->cfg.timestamps && time_ns != 0)
		fprintf(f, ",\"time\":%s", out_unix_time(time_ns, t, sizeof(t)));
}

static void end_line(FILE *f)
{
	fputs("}\n", f);
	fflush(f);
}

/* ,"host":...,"addr":...,"port":... */
static void put_where(FILE *f, const char *host, const struct netaddr *addr, uint16_t port)
{
	char abuf[NETADDR_STRLEN];

	put_key(f, "host");
	put_str(f, host);
	put_key(f, "addr");
	put_str(f, netaddr_str(addr, abuf, sizeof(abuf)));
	put_key(f, "port");
	fprintf(f, "%u", (unsigned)port);
}

/* {"type":"<type>","host":...,"addr":...,"port":...: the head every record about a
 * target port shares. */
static void put_head(FILE *f, const char *type, const char *host, const struct netaddr *addr,
		     uint16_t port)
{
	fputs("{\"type\":", f);
	put_str(f, type);
	put_where(f, host, addr, port);
}

static int json_init(struct output *o)
{
	return 0;
}

static void json_fini(struct output *o)
{
}

static void json_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port)
{
}

static void json_probe(struct output *o, const struct probe_event *e)
{
	FILE *f = o->out;
	bool tcp = e->answered && e->reply != REPLY_ICMP;
	bool sa = tcp && e->reply == REPLY_SA;
	char nbuf[32];

	if (o->cfg.quiet)
		return; /* -q: summaries only, in every format */
	put_head(f, "probe", e->host, &e->addr, e->port);
	put_key(f, "seq");
	fprintf(f, "%u", (unsigned)e->seq);
	put_key(f, "state");
	put_str(f, port_state_name(e->state));

	put_key(f, "reply");
	if (e->answered && e->reply == REPLY_ICMP) {
		char reply[64];
		snprintf(reply, sizeof(reply), "icmp:%s",
			 icmp_error_name(e->addr.family, e->icmp_type, e->icmp_code, nbuf, sizeof(nbuf)));
		put_str(f, reply);
	} else {
		put_str(f, reply_kind_name(e->answered ? e->reply : REPLY_NONE));
	}

	put_key(f, "rtt_ms");
	if (e->answered)
		put_ms(f, e->rtt_ms);
	else
		fputs("null", f);
	put_key(f, "ttl");
	if (e->answered)
		fprintf(f, "%u", (unsigned)e->ttl);
	else
		fputs("null", f);
	put_key(f, "win");
	if (tcp)
		fprintf(f, "%u", (unsigned)e->win);
	else
		fputs("null", f);
	put_key(f, "mss");
	if (sa && e->opt.mss_present)
		fprintf(f, "%u", (unsigned)e->opt.mss);
	else
		fputs("null", f);
	put_key(f, "wscale");
	if (sa && e->opt.wscale_present)
		fprintf(f, "%u", (unsigned)e->opt.wscale);
	else
		fputs("null", f);
	put_key(f, "sack");
	put_bool(f, sa && e->opt.sack_permitted);
	put_key(f, "ts");
	put_bool(f, sa && e->opt.ts_present);

	/* Extras, after the fixed keys. */
	put_key(f, "flags");
	if (tcp) {
		char flags[9];
		put_str(f, segment_flags_str(e->flags, flags));
	} else {
		fputs("null", f);
	}
	put_key(f, "sport");
	fprintf(f, "%u", (unsigned)e->sport);
	put_key(f, "ts_source");
	put_str(f, e->answered ? ts_source_name(e->ts_source) : NULL);
	if (e->answered && e->reply == REPLY_ICMP) {
		char abuf[NETADDR_STRLEN];
		put_key(f, "icmp_from");
		put_str(f, netaddr_str(&e->icmp_from, abuf, sizeof(abuf)));
	}
	put_time(o, f, e->time_ns);
	end_line(f);
}

static void json_summary(struct output *o, const struct summary_event *e)
{
	FILE *f = o->out;
	bool rtt = e->rtt.n > 0;
	const struct {
		const char *key;
		double v;
	} figs[] = {
		{ "rtt_min_ms", e->rtt.min }, { "rtt_avg_ms", e->rtt.avg }, { "rtt_max_ms", e->rtt.max },
		{ "rtt_mdev_ms", e->rtt.mdev }, { "rtt_p50_ms", e->rtt.p50 }, { "rtt_p90_ms", e->rtt.p90 },
		{ "rtt_p99_ms", e->rtt.p99 },
	};

	put_head(f, "summary", e->host, &e->addr, e->port);
	put_key(f, "sent");
	fprintf(f, "%u", (unsigned)e->sent);
	put_key(f, "received");
	fprintf(f, "%u", (unsigned)e->received);
	put_key(f, "loss_pct");
	put_pct(f, e->loss_pct);
	put_key(f, "state");
	put_str(f, port_state_name(e->state));
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		put_key(f, figs[i].key);
		if (rtt)
			put_ms(f, figs[i].v);
		else
			fputs("null", f);
	}
	put_key(f, "duplicates");
	fprintf(f, "%u", (unsigned)e->duplicates);
	put_key(f, "bad_checksum");
	fprintf(f, "%u", (unsigned)e->bad_checksum);
	put_key(f, "late");
	fprintf(f, "%u", (unsigned)e->late);
	/* Summaries come in one burst at the end of a run; output_end flushes
	 * them, so a 65535-port sweep does not make 65535 writes. */
	fputs("}\n", f);
}

/* "segments": one object a segment with both ends' states; devs (may be
 * NULL) names the deviations the entries point at. */
static void json_segments(FILE *f, const struct conn_entry *segs, size_t nsegs, uint64_t t0_ns,
			  const struct deviation *devs, size_t ndevs)
{
	put_key(f, "segments");
	fputc('[', f);
	for (size_t i = 0; i < nsegs; i++) {
		const struct conn_entry *s = &segs[i];
		char flags[9];
		double t = s->s.t_ns >= t0_ns ? (double)(s->s.t_ns - t0_ns) / 1e6 : 0.0;
		fputs(i ? ",{\"t_ms\":" : "{\"t_ms\":", f);
		fprintf(f, "%.3f", t);
		put_key(f, "dir");
		put_str(f, s->s.dir == CONN_OUT ? "out" : "in");
		put_key(f, "flags");
		put_str(f, segment_flags_str(s->s.flags, flags));
		fprintf(f, ",\"seq\":%u,\"ack\":%u,\"len\":%u", (unsigned)s->s.seq,
			(unsigned)((s->s.flags & TCPF_ACK) ? s->s.ack : 0), (unsigned)s->s.len);
		put_key(f, "local");
		put_str(f, tcpstate_name(s->local));
		put_key(f, "peer");
		put_str(f, tcpstate_name(s->peer));
		put_key(f, "win");
		fprintf(f, "%u", (unsigned)s->s.win);
		put_key(f, "retransmission");
		put_bool(f, s->retransmission);
		if (devs != NULL && s->deviation >= 0 && (size_t)s->deviation < ndevs) {
			put_key(f, "deviation");
			put_str(f, deviation_name(devs[s->deviation].code));
		}
		fputc('}', f);
	}
	fputc(']', f);
}

static void json_deviations(FILE *f, const struct session_event *e)
{
	put_key(f, "deviations");
	fputc('[', f);
	for (size_t i = 0; i < e->ndevs; i++) {
		const struct deviation *d = &e->devs[i];
		char buf[256];
		fputs(i ? ",{\"code\":" : "{\"code\":", f);
		put_str(f, deviation_name(d->code));
		put_key(f, "detail");
		put_str(f, deviation_format(d, buf, sizeof(buf)));
		if (d->field[0] != '\0') {
			put_key(f, "field");
			put_str(f, d->field);
		}
		if (d->has_values)
			fprintf(f, ",\"expected\":%lu,\"actual\":%lu", (unsigned long)d->expected,
				(unsigned long)d->actual);
		fputc('}', f);
	}
	fputc(']', f);
}

/* Bytes as a JSON string: printable ASCII as it is, the rest \u00XX, so
 * any payload (binary, invalid UTF-8, NULs) gives valid JSON. */
static void put_bytes(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], f);
		else
			fprintf(f, "\\u%04x", p[i]);
	}
	fputc('"', f);
}

static void json_session(struct output *o, const struct session_event *e)
{
	FILE *f = o->out;

	if (o->cfg.quiet)
		return;
	put_head(f, "session", e->host, &e->addr, e->port);
	put_key(f, "handshake");
	put_str(f, handshake_name(e->handshake));
	put_key(f, "rtt_ms");
	if (e->rtt_valid)
		put_ms(f, e->rtt_ms);
	else
		fputs("null", f);
	put_key(f, "close");
	put_str(f, e->close);
	put_key(f, "teardown");
	put_str(f, teardown_name(e->teardown));
	json_segments(f, e->segs, e->nsegs, e->t0_ns, e->devs, e->ndevs);
	json_deviations(f, e);
	/* Extras, after the fixed keys. */
	put_key(f, "connection");
	fprintf(f, "%u", (unsigned)e->number);
	put_key(f, "sport");
	fprintf(f, "%u", (unsigned)e->sport);
	put_key(f, "ts_source");
	put_str(f, e->rtt_valid ? ts_source_name(e->ts_source) : NULL);
	fprintf(f, ",\"iss\":%u", (unsigned)e->iss);
	put_key(f, "irs");
	if (e->have_irs)
		fprintf(f, "%u", (unsigned)e->irs);
	else
		fputs("null", f);
	fprintf(f, ",\"bytes_sent\":%llu,\"bytes_received\":%llu,\"bytes_received_after_fin\":%llu",
		(unsigned long long)e->bytes_out, (unsigned long long)e->bytes_in,
		(unsigned long long)e->bytes_in_after_fin);
	fprintf(f, ",\"retransmissions_sent\":%u,\"retransmissions_received\":%u",
		(unsigned)e->retrans_out, (unsigned)e->retrans_in);
	put_key(f, "time_wait_ms");
	if (e->time_wait_ms > 0)
		fprintf(f, "%.0f", e->time_wait_ms);
	else
		fputs("null", f);
	put_key(f, "time_wait_held_ms");
	put_ms(f, e->time_wait_held_ms);
	put_key(f, "cause");
	put_str(f, e->cause);
	if (o->cfg.print_data) {
		put_key(f, "data");
		put_bytes(f, e->data_in, e->data_in_len);
	}
	if (e->handshake == HS_UNREACHABLE) {
		char nbuf[32], reply[64], abuf[NETADDR_STRLEN];
		snprintf(reply, sizeof(reply), "icmp:%s",
			 icmp_error_name(e->addr.family, e->icmp_type, e->icmp_code, nbuf, sizeof(nbuf)));
		put_key(f, "reply");
		put_str(f, reply);
		put_key(f, "icmp_from");
		put_str(f, netaddr_str(&e->icmp_from, abuf, sizeof(abuf)));
	}
	put_time(o, f, e->time_ns);
	end_line(f);
}

static void json_check(struct output *o, const struct check_event *e)
{
	FILE *f = o->out;
	fputs("{\"type\":\"check\"", f);
	put_key(f, "id");
	put_str(f, e->id);
	put_key(f, "ref");
	put_str(f, e->ref);
	put_key(f, "result");
	put_str(f, check_result_name(e->result));
	put_key(f, "detail");
	put_str(f, e->detail);
	/* Extras, after the fixed keys. */
	put_where(f, e->host, &e->addr, e->port);
	put_key(f, "what");
	put_str(f, e->what);
	put_key(f, "evidence");
	fputc('[', f);
	for (size_t i = 0; i < e->nevidence; i++) {
		const struct conn_seg *s = &e->evidence[i];
		char flags[9];
		double t = s->t_ns >= e->t0_ns ? (double)(s->t_ns - e->t0_ns) / 1e6 : 0.0;
		fprintf(f, "%s{\"t_ms\":%.3f", i ? "," : "", t);
		put_key(f, "dir");
		put_str(f, s->dir == CONN_OUT ? "out" : "in");
		put_key(f, "flags");
		put_str(f, segment_flags_str(s->flags, flags));
		fprintf(f, ",\"seq\":%u,\"ack\":%u,\"len\":%u}", (unsigned)s->seq,
			(unsigned)((s->flags & TCPF_ACK) ? s->ack : 0), (unsigned)s->len);
	}
	fputc(']', f);
	put_time(o, f, e->time_ns);
	end_line(f);
}

static void put_strings(FILE *f, const char *key, const char *const *v, size_t n)
{
	put_key(f, key);
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		put_str(f, v[i]);
	}
	fputc(']', f);
}

/* A string key that is null when the event has none. */
static void put_opt_str(FILE *f, const char *key, const char *s)
{
	put_key(f, key);
	put_str(f, s != NULL && s[0] != '\0' ? s : NULL);
}

static void json_script(struct output *o, const struct script_event *e)
{
	FILE *f = o->out;
	fputs("{\"type\":\"script\"", f);
	put_key(f, "file");
	put_str(f, e->file);
	put_where(f, e->host, &e->addr, e->port);
	put_key(f, "result");
	put_str(f, script_outcome_name(e->result));
	put_key(f, "line");
	if (e->line > 0)
		fprintf(f, "%u", e->line);
	else
		fputs("null", f);
	put_opt_str(f, "detail", e->detail);
	put_opt_str(f, "field", e->field);
	put_opt_str(f, "expected", e->expected);
	put_opt_str(f, "actual", e->actual);
	put_strings(f, "skipped", e->skipped, e->nskipped);
	json_segments(f, e->segs, e->nsegs, e->t0_ns, NULL, 0);
	/* Extras, after the fixed keys. */
	put_strings(f, "notes", e->notes, e->nnotes);
	put_key(f, "sport");
	fprintf(f, "%u", (unsigned)e->sport);
	put_time(o, f, e->time_ns);
	end_line(f);
}

static void json_error(struct output *o, const char *message)
{
	FILE *f = o->out;

	fputs("{\"type\":\"error\"", f);
	put_key(f, "message");
	put_str(f, message);
	end_line(f);
}

/* {"type":"error","host":..,"message":..}: a target the run could not
 * probe; the ports it named follow, so a consumer can match it to its
 * inventory. */
static void json_target_error(struct output *o, const struct target_error_event *e)
{
	FILE *f = o->out;

	fputs("{\"type\":\"error\"", f);
	put_key(f, "host");
	put_str(f, e->host);
	put_key(f, "message");
	put_str(f, e->message);
	put_key(f, "ports");
	fputc('[', f);
	for (size_t i = 0; i < e->nports; i++)
		fprintf(f, "%s%u", i ? "," : "", (unsigned)e->ports[i]);
	fputc(']', f);
	end_line(f);
}

static void json_run(struct output *o, const struct run_event *e)
{
	FILE *f = o->out;

	fprintf(f, "{\"type\":\"run\",\"hosts\":%zu,\"ports\":%zu,\"open\":%zu,\"closed\":%zu,"
		   "\"filtered\":%zu,\"errors\":%zu,\"sent\":%llu,\"received\":%llu,\"elapsed_s\":%.3f",
		e->hosts, e->ports, e->open, e->closed, e->filtered, e->errors,
		(unsigned long long)e->sent, (unsigned long long)e->received, e->elapsed_s);
	if (e->sweep)
		fprintf(f, ",\"retries\":%llu,\"rate_pps\":%.1f,\"capture_drops\":%llu,\"ignored\":{"
			   "\"undecodable\":%llu,\"bad_checksum\":%llu,\"unmatched\":%llu,\"late\":%llu,"
			   "\"duplicate\":%llu}",
			(unsigned long long)e->retries, e->rate_pps, (unsigned long long)e->capture_drops,
			(unsigned long long)e->ign_undecodable, (unsigned long long)e->ign_bad_checksum,
			(unsigned long long)e->ign_unmatched, (unsigned long long)e->ign_late,
			(unsigned long long)e->ign_duplicate);
	end_line(f);
}

static int json_end(struct output *o)
{
	return -1;
}

const struct out_ops out_json_ops = {
	.init = json_init,
	.fini = json_fini,
	.begin = json_begin,
	.probe = json_probe,
	.summary = json_summary,
	.session = json_session,
	.check = json_check,
	.script = json_script,
	.error = json_error,
	.target_error = json_target_error,
	.run = json_run,
	.end = json_end,
};
