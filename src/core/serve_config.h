/*
 * serve_config: the exporter's --config file, YAML read with libyaml.
 * Modules, the allow list and limits; the format is in the man page
 * (CONFIGURATION FILE). Pure: the caller reads the file, this parses the
 * bytes, and an error is one "FILE:LINE:COL: what" line.
 */
#ifndef TCPSHAKE_SERVE_CONFIG_H
#define TCPSHAKE_SERVE_CONFIG_H

#include <stddef.h>

#include "core/module.h"


/* A config file is a few dozen lines; beyond this it is a mistake. */
#define SERVE_CONFIG_BYTES_MAX (1024 * 1024)

struct serve_config {
	struct module_table modules; /* the built-ins, then the file's (a file module
				      * of a built-in's name replaces it) */
	char **allow_targets;        /* each a string for allow_add_targets */
	size_t nallow_targets;
	char *allow_ports;           /* for allow_add_ports, or NULL */
	unsigned max_inflight;       /* 0: the file does not set it */
};

/* Parse the YAML in buf[0..len) into c (c is initialised here). name is the
 * file's name for messages. An unknown key, a wrong type, a value out of
 * range or an unknown mode or close is an error. Returns 0, or -1 with err
 * "NAME:LINE:COL: what" (c freed). */
int serve_config_parse(const char *buf, size_t len, const char *name, struct serve_config *c,
		       char *err, size_t errlen);
/* Built-in modules only (no file). 0 or -1 on no memory. */
int serve_config_default(struct serve_config *c);
void serve_config_free(struct serve_config *c);

#endif
