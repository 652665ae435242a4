/*
 * progress: the progress line's text. See progress.h.
 *
 * Short fields two spaces apart, as pv and rsync separate theirs, so the
 * line fits a terminal beside a long check id. Times are the engine's, so
 * the fake wire's clock drives it in tests as the capture's does live.
 */
#include "config.h"
#include "out/progress.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/tcpconst.h"

/* Past this an ETA says ">99 h": a longer guess is noise. */
#define ETA_MAX_S (100u * 3600u)

void progress_report(const struct progress_sink *s, const struct progress_counts *c,
		     uint64_t now_ns)
{
	if (s != NULL && s->update != NULL)
		s->update(s->ctx, c, now_ns);
}

void progress_note(const struct progress_sink *s, const char *msg)
{
	if (s != NULL && s->note != NULL)
		s->note(s->ctx, msg);
}

void progress_end(const struct progress_sink *s)
{
	if (s != NULL && s->end != NULL)
		s->end(s->ctx);
}

void progress_format_rate(double per_s, char *buf, size_t len)
{
	/* The thresholds are where the rounded value would need the next
	 * unit: 999.6 is "1.0k/s", never "1000/s". */
	if (!(per_s >= 0))
		per_s = 0;
	if (per_s < 9.95)
		snprintf(buf, len, "%.1f/s", per_s);
	else if (per_s < 999.5)
		snprintf(buf, len, "%.0f/s", per_s);
	else if (per_s < 999950)
		snprintf(buf, len, "%.1fk/s", per_s / 1e3);
	else
		snprintf(buf, len, "%.2fM/s", per_s / 1e6);
}

void progress_format_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / NS_PER_S + (ns % NS_PER_S >= NS_PER_S / 2);
	if (s >= ETA_MAX_S)
		snprintf(buf, len, ">99 h");
	else if (s < 60)
		snprintf(buf, len, "%u s", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, len, "%u min %02u s", (unsigned)(s / 60), (unsigned)(s % 60));
	else
		snprintf(buf, len, "%u h %02u min", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60));
}

bool progress_eta_ns(const struct progress_counts *c, uint64_t now_ns, uint64_t *eta_ns)
{
	if (c->total == 0 || c->done == 0)
		return false;
	if (c->done >= c->total) {
		*eta_ns = 0;
		return true;
	}
	uint64_t elapsed = now_ns > c->start_ns ? now_ns - c->start_ns : 0;
	/* In doubles: elapsed * remaining overflows 64 bits for a long run of
	 * a large sweep; the precision lost is far below a second. */
	double eta = (double)elapsed * (double)(c->total - c->done) / (double)c->done;
	double cap = (double)ETA_MAX_S * (double)NS_PER_S;
	*eta_ns = eta >= cap ? (uint64_t)cap : (uint64_t)eta;
	return true;
}

/* Append to buf at *at, keeping *at the length the whole line would have. */
__attribute__((format(printf, 4, 5))) static void add(char *buf, size_t len, size_t *at,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*at < len ? buf + *at : NULL, *at < len ? len - *at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

size_t progress_format(const struct progress_counts *c, uint64_t now_ns, char *buf, size_t len)
{
	char field[32];
	size_t at = 0;
	uint64_t eta;
	if (len > 0)
		buf[0] = '\0';
	if (c->kind == PROGRESS_CHECKS) {
		/* The check running now is number done + 1, until the last ends. */
		uint64_t i = c->done < c->total ? c->done + 1 : c->total;
		add(buf, len, &at, "tcpshake: check %" PRIu64 "/%" PRIu64, i, c->total);
		if (c->item != NULL)
			add(buf, len, &at, " %s%s", c->item, c->item_slow ? " (slow)" : "");
	} else {
		const char *unit = c->unit != NULL ? c->unit : "probes";
		if (c->total > 0)
			add(buf, len, &at, "tcpshake: %" PRIu64 "/%" PRIu64 " %s", c->done, c->total,
			    unit);
		else
			add(buf, len, &at, "tcpshake: %" PRIu64 " %s", c->done, unit);
		uint64_t elapsed = now_ns > c->start_ns ? now_ns - c->start_ns : 0;
		if (elapsed > 0) {
			progress_format_rate((double)c->sent * (double)NS_PER_S / (double)elapsed, field,
					     sizeof(field));
			add(buf, len, &at, "  %s", field);
		}
		add(buf, len, &at, "  %" PRIu64 " open", c->open);
	}
	if (progress_eta_ns(c, now_ns, &eta)) {
		progress_format_duration(eta, field, sizeof(field));
		add(buf, len, &at, "  ETA %s", field);
	}
	return at;
}
