/*
 * version.h -- the one place the version of dnsbl is written: dnsbld and
 * the loader (dnsbl-loader) print it for --version.  No state.
 */
#ifndef DNSBL_VERSION_H
#define DNSBL_VERSION_H

#define DNSBL_VERSION "0.9.0"

#endif
