// warc_check.mjs DIR... - read every *.warc.gz (and *.warc.gz.open) file
// in the directories with warcio.js (Webrecorder's reader, not ours) and
// print one JSON line per record: file, offset, length (as warcio's
// parser reports them), type, uri, id, concurrent, the payload and block
// digest headers, and two digests computed here: of the payload warcio
// returns, and of the block read back from the file at offset/length with
// node's own gunzip. A file warcio cannot parse ends the run with exit 1.
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { WARCParser } from "warcio";

const ABC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function b32(buf) {
  let bits = 0, v = 0, out = "";
  for (const b of buf) {
    v = (v << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ABC[(v >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ABC[(v << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}
const sha1 = (buf) => "sha1:" + b32(createHash("sha1").update(buf).digest());

// The block of the record in the gzip member at [off, off + len).
function blockAt(whole, off, len) {
  const rec = gunzipSync(whole.subarray(off, off + len));
  const end = rec.indexOf("\r\n\r\n");
  const head = rec.subarray(0, end).toString("latin1");
  const m = /\r\nContent-Length: *(\d+)/i.exec(head);
  const n = m ? Number(m[1]) : 0;
  return rec.subarray(end + 4, end + 4 + n);
}

let failed = false;
for (const dir of process.argv.slice(2)) {
  const files = readdirSync(dir).filter((f) => /\.warc\.gz(\.open)?$/.test(f)).sort();
  for (const f of files) {
    const path = join(dir, f);
    const whole = readFileSync(path);
    try {
      const parser = new WARCParser(createReadStream(path));
      for await (const r of parser) {
        const payload = await r.readFully(false);
        const off = parser.offset, len = parser.recordLength;
        const out = {
          file: f, offset: off, length: len, type: r.warcType,
          uri: r.warcTargetURI || null,
          id: r.warcHeader("WARC-Record-ID"),
          concurrent: r.warcHeader("WARC-Concurrent-To") || null,
          payload_digest: r.warcPayloadDigest || null,
          block_digest: r.warcBlockDigest || null,
          status: r.httpHeaders && r.httpHeaders.statusCode ? Number(r.httpHeaders.statusCode) : null,
          payload_sha1: sha1(payload),
          block_sha1: sha1(blockAt(whole, off, len)),
        };
        console.log(JSON.stringify(out));
      }
    } catch (e) {
      console.error(`${path}: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
