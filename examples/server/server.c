/* A small multi-threaded HTTP/1.1 server for the load test of live patching.
 *
 *   server PORT [LIFETIME_SECONDS [WORKERS]]
 *
 * Listens on 127.0.0.1:PORT (0: the kernel picks one; the line "listening on
 * 127.0.0.1:N" tells which). A fixed pool of WORKERS threads (default 8) all block in
 * accept() on the one listening socket; each serves its connection's requests in turn
 * (keep-alive) until the client closes, asks "Connection: close", or stays idle 5 s.
 *   GET /greeting -> 200, the body render_greeting() writes (greeting.c)
 *   GET /health   -> 200, "ok\n"
 * With LIFETIME_SECONDS > 0 the server exits by itself after that long. */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "greeting.h"

#define REQUEST_MAX 8192
#define IDLE_SECONDS 5
#define WORKERS_MAX 64

struct conn {
	int fd;
	char buf[REQUEST_MAX];
	size_t len; /* bytes buffered, possibly the start of a pipelined next request */
};

/* Writes all of buf; a stopped-and-resumed thread may see EINTR, which is no error. */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads until the buffer holds a whole request head; returns its length (with the
 * blank line), 0 when the peer closed or idled out, -1 on error or an oversized head. */
static ssize_t read_head(struct conn *c)
{
	for (;;) {
		char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		if (end)
			return end + 4 - c->buf;
		if (c->len == sizeof c->buf)
			return -1;
		ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return r;
		c->len += (size_t)r;
	}
}

static int respond(int fd, int status, const char *reason, const char *body, int keep)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: %s\r\n\r\n",
			 status, reason, strlen(body), keep ? "keep-alive" : "close");
	char out[sizeof head + 512];
	int m = snprintf(out, sizeof out, "%.*s%s", n, head, body);
	return write_all(fd, out, (size_t)m);
}

/* Serves one request whose head is c->buf[0..head_len); returns 1 to keep the
 * connection open, 0 to close it. */
static int serve_one(struct conn *c, size_t head_len)
{
	char method[16], target[256], version[16];
	char line[512];
	size_t line_len = (size_t)((char *)memchr(c->buf, '\r', head_len) - c->buf);
	if (line_len >= sizeof line)
		line_len = sizeof line - 1;
	memcpy(line, c->buf, line_len);
	line[line_len] = '\0';
	if (sscanf(line, "%15s %255s %15s", method, target, version) != 3) {
		respond(c->fd, 400, "Bad Request", "bad request\n", 0);
		return 0;
	}
	/* HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes it. */
	char saved = c->buf[head_len - 1];
	c->buf[head_len - 1] = '\0';
	int keep = strcmp(version, "HTTP/1.1") == 0 && !strcasestr(c->buf, "\nConnection: close");
	c->buf[head_len - 1] = saved;

	int ok;
	if (strcmp(method, "GET") != 0) {
		ok = respond(c->fd, 405, "Method Not Allowed", "only GET\n", keep);
	} else if (strcmp(target, "/greeting") == 0) {
		char body[256];
		render_greeting(body, sizeof body);
		ok = respond(c->fd, 200, "OK", body, keep);
	} else if (strcmp(target, "/health") == 0) {
		ok = respond(c->fd, 200, "OK", "ok\n", keep);
	} else {
		ok = respond(c->fd, 404, "Not Found", "not found\n", keep);
	}
	return ok == 0 && keep;
}

static void serve_connection(int fd)
{
	struct conn c = { .fd = fd, .len = 0 };
	struct timeval idle = { .tv_sec = IDLE_SECONDS, .tv_usec = 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
	for (;;) {
		ssize_t head_len = read_head(&c);
		if (head_len <= 0)
			break;
		int keep = serve_one(&c, (size_t)head_len);
		/* GET has no body: whatever follows the head is the next request. */
		c.len -= (size_t)head_len;
		memmove(c.buf, c.buf + head_len, c.len);
		if (!keep)
			break;
	}
	close(fd);
}

static void *worker(void *arg)
{
	int listener = *(int *)arg;
	for (;;) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
				continue;
			perror("accept");
			exit(1);
		}
		serve_connection(fd);
	}
	return NULL;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof addr;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
		perror("server: 127.0.0.1");
		exit(1);
	}
	printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
	fflush(stdout);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s PORT [LIFETIME_SECONDS [WORKERS]]\n", argv[0]);
		return 2;
	}
	int port = atoi(argv[1]);
	long lifetime = argc > 2 ? atol(argv[2]) : 0;
	int workers = argc > 3 ? atoi(argv[3]) : 8;
	if (port < 0 || port > 65535 || lifetime < 0 || workers < 1 || workers > WORKERS_MAX) {
		fprintf(stderr, "%s: bad PORT, LIFETIME_SECONDS or WORKERS (1..%d)\n", argv[0], WORKERS_MAX);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	static int listener;
	listener = listen_on(port);
	pthread_t tids[WORKERS_MAX];
	for (int i = 0; i < workers; i++)
		if (pthread_create(&tids[i], NULL, worker, &listener) != 0) {
			fprintf(stderr, "%s: cannot start worker %d\n", argv[0], i);
			return 1;
		}
	if (lifetime == 0)
		pthread_join(tids[0], NULL); /* workers never return: run until killed */
	/* A bounded lifetime: sleep it out (nanosleep resumes after EINTR), then exit. */
	struct timespec left = { .tv_sec = lifetime, .tv_nsec = 0 };
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	printf("lifetime of %ld s over, exiting\n", lifetime);
	fflush(stdout);
	return 0;
}
