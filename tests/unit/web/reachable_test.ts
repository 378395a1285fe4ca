import assert from "node:assert/strict";
import { externalUrls, type InterfaceAddress } from "../../../lib/web/reachable.ts";

const ADDRESSES: InterfaceAddress[] = [
  { family: "IPv4", address: "127.0.0.1" },
  { family: "IPv4", address: "192.168.1.5" },
  { family: "IPv4", address: "10.0.0.7" },
  { family: "IPv6", address: "::1" },
  { family: "IPv6", address: "fd00::2" },
  { family: "IPv6", address: "fe80::fc:ff:fe00:1" },
];

Deno.test("externalUrls: 0.0.0.0 lists each non-loopback IPv4 address", () => {
  assert.deepEqual(externalUrls("0.0.0.0", 8000, ADDRESSES), [
    "http://192.168.1.5:8000/",
    "http://10.0.0.7:8000/",
  ]);
});

Deno.test("externalUrls: :: adds IPv6 addresses, but not link-local ones", () => {
  assert.deepEqual(externalUrls("::", 8000, ADDRESSES), [
    "http://192.168.1.5:8000/",
    "http://10.0.0.7:8000/",
    "http://[fd00::2]:8000/",
  ]);
});

Deno.test("externalUrls: a specific address or loopback bind needs no more links", () => {
  for (const host of ["127.0.0.1", "localhost", "192.168.1.5", "myhost.lan"]) {
    assert.deepEqual(externalUrls(host, 8000, ADDRESSES), [], host);
  }
  assert.deepEqual(externalUrls("0.0.0.0", 8000, []), []);
});
