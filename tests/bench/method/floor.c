/*
 * floor.c -- the floor of the benches: a UDP "DNS server" that looks
 * nothing up.  It takes datagrams in batches of up to BATCH with
 * recvmmsg(2), turns each into its own answer in place (QR set, RCODE
 * NXDOMAIN, nothing added) and sends the batch back with sendmmsg(2).
 * What it costs per query is the kernel's UDP path, the least any server
 * on this machine can spend.  The benches use ../shared/bench/floor.c
 * when it is there; this is the same measurement, for machines without
 * it (CI).
 *
 *   floor PORT [BATCH [ADDRESS]]
 *     BATCH 1 to 64 (default 64); ADDRESS an IPv4 address to bind
 *     (default 127.0.0.1; the AF_XDP bench binds 0.0.0.0 in its namespace)
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAXBATCH 64
#define BUFLEN 512

int
main(int argc, char **argv)
{
	static unsigned char buf[MAXBATCH][BUFLEN];
	static struct sockaddr_in from[MAXBATCH];
	static struct iovec iov[MAXBATCH];
	static struct mmsghdr msg[MAXBATCH];
	struct sockaddr_in sin;
	int fd, i, n, batch = MAXBATCH;

	if (argc < 2) {
		fprintf(stderr, "usage: floor PORT [BATCH [ADDRESS]]\n");
		return 2;
	}
	if (argc > 2 && (batch = atoi(argv[2])) < 1)
		batch = 1;
	if (batch > MAXBATCH)
		batch = MAXBATCH;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	if (inet_pton(AF_INET, argc > 3 ? argv[3] : "127.0.0.1",
	    &sin.sin_addr) != 1) {
		fprintf(stderr, "floor: bad address\n");
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("floor: socket");
		return 1;
	}
	for (;;) {
		for (i = 0; i < batch; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = BUFLEN;
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		if ((n = recvmmsg(fd, msg, (unsigned)batch, MSG_WAITFORONE,
		    NULL)) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (msg[i].msg_len >= 4) {
				buf[i][2] |= 0x84;	/* QR, AA */
				buf[i][3] = (unsigned char)((buf[i][3] & 0xf0) | 3);
			}
			iov[i].iov_len = msg[i].msg_len;
		}
		(void)sendmmsg(fd, msg, (unsigned)n, 0);
	}
}
