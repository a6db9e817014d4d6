/* pcap files of trace records, through libpcap: classic pcap (not pcapng:
 * every tool reads it, and a live `trace -w -` can be piped into tcpdump or
 * tshark), nanosecond timestamps (magic a1 b2 3c 4d: tcpdump, tshark and
 * libpcap >= 1.5 read it; records carry ns and latencies are often below a
 * microsecond), one trace record per packet, link type USER0 (147) unless
 * told otherwise.  Layout: man/vitool-pcap.5. */
#ifndef VT_TRACE_PCAP_H
#define VT_TRACE_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VT_PCAP_LINKTYPE_USER0 147

struct vt_pcap_writer;
struct vt_pcap_reader;

/* Creates path ("-": standard output, which stays open after close) and
 * writes the file header: linktype (<= 0: USER0), snaplen (0:
 * VT_REC_SNAPLEN_MAX).  NULL with the reason in err. */
struct vt_pcap_writer *vt_pcap_open_write(const char *path, int linktype, uint32_t snaplen,
					  char *err, size_t errlen);
/* The same over an open stream (a pipe, a socket); takes ownership of f. */
struct vt_pcap_writer *vt_pcap_open_write_file(FILE *f, int linktype, uint32_t snaplen,
					       char *err, size_t errlen);
/* Appends one record with timestamp ts_ns (CLOCK_REALTIME ns: pass the
 * record's ts_ns).  0; -EMSGSIZE if len exceeds the snaplen (encode with the
 * same snaplen: a record is never cut at the pcap level, where it would no
 * longer parse); -errno (EIO if unknown) when the stream failed. */
int vt_pcap_write(struct vt_pcap_writer *w, const uint8_t *rec, size_t len, uint64_t ts_ns);
/* Pushes buffered records out (live pipes: after each batch).  0 or -errno. */
int vt_pcap_flush(struct vt_pcap_writer *w);
/* Flushes and closes; 0, or -errno if anything written was lost. */
int vt_pcap_close(struct vt_pcap_writer *w);

/* Opens a pcap file ("-": standard input) of either timestamp precision
 * (timestamps are returned in ns either way).  NULL with libpcap's reason
 * in err ("unknown file format" for a file that is not pcap). */
struct vt_pcap_reader *vt_pcap_open_read(const char *path, char *err, size_t errlen);
struct vt_pcap_reader *vt_pcap_open_read_file(FILE *f, char *err, size_t errlen);
/* The file's link type (the caller checks it is the one it decodes) and
 * snaplen. */
int vt_pcap_linktype(const struct vt_pcap_reader *r);
uint32_t vt_pcap_snaplen(const struct vt_pcap_reader *r);
/* Next record: 1 (rec/len valid until the next call; len is the captured
 * length), 0 at the end, -1 with "record N: REASON" in err for a truncated
 * or corrupt file (libpcap's message passed through). */
int vt_pcap_next(struct vt_pcap_reader *r, const uint8_t **rec, size_t *len, uint64_t *ts_ns,
		 char *err, size_t errlen);
/* Original length of the last record; larger than its len when someone
 * re-captured with a smaller snaplen (the record will not parse). */
size_t vt_pcap_wire_len(const struct vt_pcap_reader *r);
void vt_pcap_close_read(struct vt_pcap_reader *r);

#endif
