/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The confinements test_confine.c puts its children under: OpenSSH's Linux
 * preauth seccomp filter (with kill or EPERM for anything else), its rlimit
 * sandbox, a chroot with both, systemd's @system-service with kill.
 */
#ifndef TS_TESTS_CONFINEMENTS_H
#define TS_TESTS_CONFINEMENTS_H

enum confine {
	CONF_SSH_KILL,	/* OpenSSH's preauth filter, anything else kills */
	CONF_SSH_EPERM, /* the same allow list, anything else fails EPERM */
	CONF_RLIMIT,	/* OpenSSH's rlimit sandbox */
	CONF_CHROOT,	/* chroot to an empty dir, rlimits, the kill filter */
	CONF_SYSTEMD,	/* systemd's @system-service, anything else kills */
};

/* A name for messages. */
const char *confine_name(enum confine c);

/*
 * Confine this process (empty_dir: the chroot of CONF_CHROOT); 0, or -1
 * with a message (still unconfined, or partly).
 */
int confine(enum confine how, const char *empty_dir);

#endif
