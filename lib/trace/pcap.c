/* pcap writer and reader for trace records (see pcap.h). */
#include "trace/pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/record.h"

struct vt_pcap_writer {
	pcap_t *dead;          /* only carries link type, snaplen and precision */
	pcap_dumper_t *dump;
	FILE *f;
	uint32_t snaplen;
};

struct vt_pcap_reader {
	pcap_t *p;
	uint64_t n;            /* records returned, for error messages */
	size_t wire_len;
};

struct vt_pcap_writer *vt_pcap_open_write_file(FILE *f, int linktype, uint32_t snaplen,
					       char *err, size_t errlen)
{
	struct vt_pcap_writer *w = calloc(1, sizeof(*w));

	if (linktype <= 0)
		linktype = VT_PCAP_LINKTYPE_USER0;
	/* Readers built on libpcap refuse packets above 262144 bytes for
	 * most link types, whatever the file header says. */
	if (snaplen == 0 || snaplen > VT_REC_SNAPLEN_MAX)
		snaplen = VT_REC_SNAPLEN_MAX;
	if (!w) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->snaplen = snaplen;
	w->f = f;
	w->dead = pcap_open_dead_with_tstamp_precision(linktype, (int)snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!w->dead) {
		snprintf(err, errlen, "pcap: cannot set up link type %d", linktype);
		goto fail;
	}
	/* pcap_dump_fopen writes the file header now (nanosecond magic,
	 * because of the precision above). */
	w->dump = pcap_dump_fopen(w->dead, f);
	if (!w->dump) {
		snprintf(err, errlen, "pcap: %s", pcap_geterr(w->dead));
		goto fail;
	}
	return w;
fail:
	if (w && w->dead)
		pcap_close(w->dead);
	free(w);
	fclose(f);
	return NULL;
}

struct vt_pcap_writer *vt_pcap_open_write(const char *path, int linktype, uint32_t snaplen,
					  char *err, size_t errlen)
{
	FILE *f;

	if (strcmp(path, "-") == 0) {
		/* A duplicate, so that closing the writer leaves stdout open
		 * for whoever prints after us. */
		int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
		f = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!f) {
			snprintf(err, errlen, "standard output: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
	} else {
		f = fopen(path, "wbe");
		if (!f) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return NULL;
		}
	}
	return vt_pcap_open_write_file(f, linktype, snaplen, err, errlen);
}

int vt_pcap_write(struct vt_pcap_writer *w, const uint8_t *rec, size_t len, uint64_t ts_ns)
{
	if (len > w->snaplen)
		return -EMSGSIZE;
	struct pcap_pkthdr h = {
		.caplen = (bpf_u_int32)len,
		.len = (bpf_u_int32)len,
	};
	/* In a nanosecond-precision file the sub-second field is ns. */
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000u);
	errno = 0;
	pcap_dump((u_char *)w->dump, &h, rec);
	/* pcap_dump reports nothing: the stream's error flag does. */
	if (ferror(w->f))
		return errno ? -errno : -EIO;
	return 0;
}

int vt_pcap_flush(struct vt_pcap_writer *w)
{
	errno = 0;
	if (pcap_dump_flush(w->dump) != 0 || ferror(w->f))
		return errno ? -errno : -EIO;
	return 0;
}

int vt_pcap_close(struct vt_pcap_writer *w)
{
	if (!w)
		return 0;
	int rc = vt_pcap_flush(w);
	/* Flushed already, so a failing fclose inside pcap_dump_close (which
	 * we cannot see) has nothing left to lose but on NFS-like files;
	 * fsync is the caller's choice. */
	pcap_dump_close(w->dump);
	pcap_close(w->dead);
	free(w);
	return rc;
}

static struct vt_pcap_reader *reader_new(pcap_t *p, char *err, size_t errlen, const char *pcap_err)
{
	if (!p) {
		snprintf(err, errlen, "%s", pcap_err);
		return NULL;
	}
	struct vt_pcap_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		pcap_close(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->p = p;
	return r;
}

struct vt_pcap_reader *vt_pcap_open_read(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	/* Asking for ns makes libpcap scale microsecond files up, so callers
	 * see one unit. */
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	return reader_new(p, err, errlen, perr);
}

struct vt_pcap_reader *vt_pcap_open_read_file(FILE *f, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p)
		fclose(f);   /* ours on failure too: the caller handed it over */
	return reader_new(p, err, errlen, perr);
}

int vt_pcap_linktype(const struct vt_pcap_reader *r)
{
	return pcap_datalink(r->p);
}

uint32_t vt_pcap_snaplen(const struct vt_pcap_reader *r)
{
	int s = pcap_snapshot(r->p);
	return s > 0 ? (uint32_t)s : 0;
}

int vt_pcap_next(struct vt_pcap_reader *r, const uint8_t **rec, size_t *len, uint64_t *ts_ns,
		 char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	switch (pcap_next_ex(r->p, &h, &data)) {
	case 1:
		r->n++;
		*rec = data;
		*len = h->caplen;
		r->wire_len = h->len;
		/* tv_usec holds ns: the file was opened with nano precision. */
		*ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		return 1;
	case PCAP_ERROR_BREAK:   /* -2: no more packets in a savefile */
		return 0;
	default:
		/* e.g. "truncated dump file; tried to read 88 captured bytes,
		 * only got 40" */
		snprintf(err, errlen, "record %llu: %s", (unsigned long long)r->n + 1, pcap_geterr(r->p));
		return -1;
	}
}

size_t vt_pcap_wire_len(const struct vt_pcap_reader *r)
{
	return r->wire_len;
}

void vt_pcap_close_read(struct vt_pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}
