// The evidence script and its parser, on output captured from real lab hosts (Debian 12,
// OpenSSH 9.2p1, fail2ban 1.0.2, iptables-nft): what the parser reads, and the verdict it leads
// to. Client 198.19.27.1, management path 198.19.27.2; hosts .10 to .13.
import { describe, it, expect } from 'vitest';
import {
  EVIDENCE_COMMAND, evidenceScript, parseEvidence, parseIdGroups, parseProcNetTcp, parseSsRows, parseSshdT, splitHostPort,
} from '../../src/diagnose/evidence.js';
import { findings, type VerdictInput } from '../../src/diagnose/verdict.js';
import type { Vantage, VantageOutcome } from '../../src/diagnose/vantage.js';

const CLIENT = '198.19.27.1';

// wrapped: captured with `remedy diagnose`'s evidence script on a lab host (sshd -T trimmed to the keywords diagnose reads)
const WRAPPED = [
  "@@remedy-diagnose@@ begin whoami",
  "0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin facts",
  "hostname=h1",
  "id=debian",
  "id_like=",
  "version_id=12",
  "kernel=Linux 6.18.44-fc-v669",
  "arch=x86_64",
  "uid=0",
  "user=root",
  "init=sysvinit",
  "sshd=/usr/sbin/sshd",
  "sshd_version=OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026 ",
  "libwrap_in=/usr/sbin/sshd",
  "ssh_version=OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
  "ssh_service=ssh",
  "sudo=1",
  "fail2ban=1",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.allow",
  "IyAvZXRjL2hvc3RzLmFsbG93OiBob3N0cyBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.deny",
  "IyAvZXRjL2hvc3RzLmRlbnk6IGhvc3RzIG5vdCBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykKc3NoZDogMTk4LjE5LjI3LjEK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin fail2ban",
  "@@remedy-fail2ban@@ begin version",
  "Fail2Ban v1.0.2",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin status",
  "Status",
  "|- Number of jail:\t2",
  "`- Jail list:\trecidive, sshd",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin jail-status recidive",
  "Status for the jail: recidive",
  "|- Filter",
  "|  |- Currently failed:\t1",
  "|  |- Total failed:\t1",
  "|  `- File list:\t/var/log/fail2ban.log",
  "`- Actions",
  "   |- Currently banned:\t1",
  "   |- Total banned:\t1",
  "   `- Banned IP list:\t198.19.27.1",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin jail-ignoreip recidive",
  "No IP address/network is ignored",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin jail-status sshd",
  "Status for the jail: sshd",
  "|- Filter",
  "|  |- Currently failed:\t0",
  "|  |- Total failed:\t0",
  "|  `- File list:\t/var/log/auth.log",
  "`- Actions",
  "   |- Currently banned:\t1",
  "   |- Total banned:\t1",
  "   `- Banned IP list:\t198.19.27.1",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin jail-ignoreip sshd",
  "No IP address/network is ignored",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin banned",
  "[{'sshd': ['198.19.27.1']}, {'recidive': ['198.19.27.1']}]",
  "",
  "@@remedy-fail2ban@@ end 0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin firewall",
  "@@remedy-firewall@@ begin iptables-version",
  "iptables v1.8.9 (nf_tables)",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin iptables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "-N f2b-recidive",
  "-N f2b-sshd",
  "-A INPUT -s 198.19.27.1/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset",
  "-A INPUT -p tcp -j f2b-recidive",
  "-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd",
  "-A f2b-recidive -s 198.19.27.1/32 -j REJECT --reject-with icmp-port-unreachable",
  "-A f2b-recidive -j RETURN",
  "-A f2b-sshd -s 198.19.27.1/32 -j REJECT --reject-with icmp-port-unreachable",
  "-A f2b-sshd -j RETURN",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin ip6tables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin nft",
  "# Warning: table ip filter is managed by iptables-nft, do not touch!",
  "table ip filter { # handle 1",
  "\tchain f2b-sshd { # handle 1",
  "\t\tip saddr 198.19.27.1 counter packets 0 bytes 0 reject # handle 5",
  "\t\tcounter packets 0 bytes 0 return # handle 2",
  "\t}",
  "",
  "\tchain INPUT { # handle 3",
  "\t\ttype filter hook input priority filter; policy accept;",
  "\t\tip saddr 198.19.27.1 tcp dport 22 counter packets 0 bytes 0 reject with tcp reset # handle 10",
  "\t\tmeta l4proto tcp counter packets 0 bytes 0 jump f2b-recidive # handle 8",
  "\t\tmeta l4proto tcp tcp dport 22 counter packets 0 bytes 0 jump f2b-sshd # handle 4",
  "\t}",
  "",
  "\tchain f2b-recidive { # handle 6",
  "\t\tip saddr 198.19.27.1 counter packets 0 bytes 0 reject # handle 9",
  "\t\tcounter packets 0 bytes 0 return # handle 7",
  "\t}",
  "}",
  "",
  "@@remedy-firewall@@ end 0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin pidfile",
  "/run/sshd.pid 24 alive",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin procs",
  "24 1 sshd: /usr/sbin/sshd -E /var/log/auth.log [listener] 0 of 10-100 startups ",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin listen ss",
  "LISTEN 0      128    0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=24,fd=4))",
  "LISTEN 0      128       [::]:22    [::]:* users:((\"sshd\",pid=24,fd=5))",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin established ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin synrecv ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-t",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-T",
  "port 22",
  "listenaddress [::]:22",
  "listenaddress 0.0.0.0:22",
  "logingracetime 120",
  "permitrootlogin without-password",
  "pubkeyauthentication yes",
  "passwordauthentication no",
  "usedns no",
  "kexalgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
  "maxstartups 10:30:100",
  "persourcemaxstartups none",
  "persourcenetblocksize 32:128",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-V",
  "OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin ldd",
  "\tlibwrap.so.0 => /lib/x86_64-linux-gnu/libwrap.so.0 (0x00007f3472ec6000)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/ssh/sshd_config",
  "IyByZW1lZHkgbGFiOiBwZXItaG9zdCBrZXlzLCByb290IGJ5IGtleSBvbmx5ClBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZApBdXRob3JpemVkS2V5c0ZpbGUgL2V0Yy9zc2gvYXV0aG9yaXplZF9rZXlzLyV1ClBhc3N3b3JkQXV0aGVudGljYXRpb24gbm8KCiMgVGhpcyBpcyB0aGUgc3NoZCBzZXJ2ZXIgc3lzdGVtLXdpZGUgY29uZmlndXJhdGlvbiBmaWxlLiAgU2VlCiMgc3NoZF9jb25maWcoNSkgZm9yIG1vcmUgaW5mb3JtYXRpb24uCgojIFRoaXMgc3NoZCB3YXMgY29tcGlsZWQgd2l0aCBQQVRIPS91c3IvbG9jYWwvYmluOi91c3IvYmluOi9iaW46L3Vzci9nYW1lcwoKIyBUaGUgc3RyYXRlZ3kgdXNlZCBmb3Igb3B0aW9ucyBpbiB0aGUgZGVmYXVsdCBzc2hkX2NvbmZpZyBzaGlwcGVkIHdpdGgKIyBPcGVuU1NIIGlzIHRvIHNwZWNpZnkgb3B0aW9ucyB3aXRoIHRoZWlyIGRlZmF1bHQgdmFsdWUgd2hlcmUKIyBwb3NzaWJsZSwgYnV0IGxlYXZlIHRoZW0gY29tbWVudGVkLiAgVW5jb21tZW50ZWQgb3B0aW9ucyBvdmVycmlkZSB0aGUKIyBkZWZhdWx0IHZhbHVlLgoKSW5jbHVkZSAvZXRjL3NzaC9zc2hkX2NvbmZpZy5kLyouY29uZgoKI1BvcnQgMjIKI0FkZHJlc3NGYW1pbHkgYW55CiNMaXN0ZW5BZGRyZXNzIDAuMC4wLjAKI0xpc3RlbkFkZHJlc3MgOjoKCiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X3JzYV9rZXkKI0hvc3RLZXkgL2V0Yy9zc2gvc3NoX2hvc3RfZWNkc2Ffa2V5CiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X2VkMjU1MTlfa2V5CgojIENpcGhlcnMgYW5kIGtleWluZwojUmVrZXlMaW1pdCBkZWZhdWx0IG5vbmUKCiMgTG9nZ2luZwojU3lzbG9nRmFjaWxpdHkgQVVUSAojTG9nTGV2ZWwgSU5GTwoKIyBBdXRoZW50aWNhdGlvbjoKCiNMb2dpbkdyYWNlVGltZSAybQojUGVybWl0Um9vdExvZ2luIHByb2hpYml0LXBhc3N3b3JkCiNTdHJpY3RNb2RlcyB5ZXMKI01heEF1dGhUcmllcyA2CiNNYXhTZXNzaW9ucyAxMAoKI1B1YmtleUF1dGhlbnRpY2F0aW9uIHllcwoKIyBFeHBlY3QgLnNzaC9hdXRob3JpemVkX2tleXMyIHRvIGJlIGRpc3JlZ2FyZGVkIGJ5IGRlZmF1bHQgaW4gZnV0dXJlLgojQXV0aG9yaXplZEtleXNGaWxlCS5zc2gvYXV0aG9yaXplZF9rZXlzIC5zc2gvYXV0aG9yaXplZF9rZXlzMgoKI0F1dGhvcml6ZWRQcmluY2lwYWxzRmlsZSBub25lCgojQXV0aG9yaXplZEtleXNDb21tYW5kIG5vbmUKI0F1dGhvcml6ZWRLZXlzQ29tbWFuZFVzZXIgbm9ib2R5CgojIEZvciB0aGlzIHRvIHdvcmsgeW91IHdpbGwgYWxzbyBuZWVkIGhvc3Qga2V5cyBpbiAvZXRjL3NzaC9zc2hfa25vd25faG9zdHMKI0hvc3RiYXNlZEF1dGhlbnRpY2F0aW9uIG5vCiMgQ2hhbmdlIHRvIHllcyBpZiB5b3UgZG9uJ3QgdHJ1c3Qgfi8uc3NoL2tub3duX2hvc3RzIGZvcgojIEhvc3RiYXNlZEF1dGhlbnRpY2F0aW9uCiNJZ25vcmVVc2VyS25vd25Ib3N0cyBubwojIERvbid0IHJlYWQgdGhlIHVzZXIncyB+Ly5yaG9zdHMgYW5kIH4vLnNob3N0cyBmaWxlcwojSWdub3JlUmhvc3RzIHllcwoKIyBUbyBkaXNhYmxlIHR1bm5lbGVkIGNsZWFyIHRleHQgcGFzc3dvcmRzLCBjaGFuZ2UgdG8gbm8gaGVyZSEKI1Bhc3N3b3JkQXV0aGVudGljYXRpb24geWVzCiNQZXJtaXRFbXB0eVBhc3N3b3JkcyBubwoKIyBDaGFuZ2UgdG8geWVzIHRvIGVuYWJsZSBjaGFsbGVuZ2UtcmVzcG9uc2UgcGFzc3dvcmRzIChiZXdhcmUgaXNzdWVzIHdpdGgKIyBzb21lIFBBTSBtb2R1bGVzIGFuZCB0aHJlYWRzKQpLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIG5vCgojIEtlcmJlcm9zIG9wdGlvbnMKI0tlcmJlcm9zQXV0aGVudGljYXRpb24gbm8KI0tlcmJlcm9zT3JMb2NhbFBhc3N3ZCB5ZXMKI0tlcmJlcm9zVGlja2V0Q2xlYW51cCB5ZXMKI0tlcmJlcm9zR2V0QUZTVG9rZW4gbm8KCiMgR1NTQVBJIG9wdGlvbnMKI0dTU0FQSUF1dGhlbnRpY2F0aW9uIG5vCiNHU1NBUElDbGVhbnVwQ3JlZGVudGlhbHMgeWVzCiNHU1NBUElTdHJpY3RBY2NlcHRvckNoZWNrIHllcwojR1NTQVBJS2V5RXhjaGFuZ2Ugbm8KCiMgU2V0IHRoaXMgdG8gJ3llcycgdG8gZW5hYmxlIFBBTSBhdXRoZW50aWNhdGlvbiwgYWNjb3VudCBwcm9jZXNzaW5nLAojIGFuZCBzZXNzaW9uIHByb2Nlc3NpbmcuIElmIHRoaXMgaXMgZW5hYmxlZCwgUEFNIGF1dGhlbnRpY2F0aW9uIHdpbGwKIyBiZSBhbGxvd2VkIHRocm91Z2ggdGhlIEtiZEludGVyYWN0aXZlQXV0aGVudGljYXRpb24gYW5kCiMgUGFzc3dvcmRBdXRoZW50aWNhdGlvbi4gIERlcGVuZGluZyBvbiB5b3VyIFBBTSBjb25maWd1cmF0aW9uLAojIFBBTSBhdXRoZW50aWNhdGlvbiB2aWEgS2JkSW50ZXJhY3RpdmVBdXRoZW50aWNhdGlvbiBtYXkgYnlwYXNzCiMgdGhlIHNldHRpbmcgb2YgIlBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZCIuCiMgSWYgeW91IGp1c3Qgd2FudCB0aGUgUEFNIGFjY291bnQgYW5kIHNlc3Npb24gY2hlY2tzIHRvIHJ1biB3aXRob3V0CiMgUEFNIGF1dGhlbnRpY2F0aW9uLCB0aGVuIGVuYWJsZSB0aGlzIGJ1dCBzZXQgUGFzc3dvcmRBdXRoZW50aWNhdGlvbgojIGFuZCBLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIHRvICdubycuClVzZVBBTSB5ZXMKCiNBbGxvd0FnZW50Rm9yd2FyZGluZyB5ZXMKI0FsbG93VGNwRm9yd2FyZGluZyB5ZXMKI0dhdGV3YXlQb3J0cyBubwpYMTFGb3J3YXJkaW5nIHllcwojWDExRGlzcGxheU9mZnNldCAxMAojWDExVXNlTG9jYWxob3N0IHllcwojUGVybWl0VFRZIHllcwpQcmludE1vdGQgbm8KI1ByaW50TGFzdExvZyB5ZXMKI1RDUEtlZXBBbGl2ZSB5ZXMKI1Blcm1pdFVzZXJFbnZpcm9ubWVudCBubwojQ29tcHJlc3Npb24gZGVsYXllZAojQ2xpZW50QWxpdmVJbnRlcnZhbCAwCiNDbGllbnRBbGl2ZUNvdW50TWF4IDMKI1VzZUROUyBubwojUGlkRmlsZSAvcnVuL3NzaGQucGlkCiNNYXhTdGFydHVwcyAxMDozMDoxMDAKI1Blcm1pdFR1bm5lbCBubwojQ2hyb290RGlyZWN0b3J5IG5vbmUKI1ZlcnNpb25BZGRlbmR1bSBub25lCgojIG5vIGRlZmF1bHQgYmFubmVyIHBhdGgKI0Jhbm5lciBub25lCgojIEFsbG93IGNsaWVudCB0byBwYXNzIGxvY2FsZSBlbnZpcm9ubWVudCB2YXJpYWJsZXMKQWNjZXB0RW52IExBTkcgTENfKgoKIyBvdmVycmlkZSBkZWZhdWx0IG9mIG5vIHN1YnN5c3RlbXMKU3Vic3lzdGVtCXNmdHAJL3Vzci9saWIvb3BlbnNzaC9zZnRwLXNlcnZlcgoKIyBFeGFtcGxlIG9mIG92ZXJyaWRpbmcgc2V0dGluZ3Mgb24gYSBwZXItdXNlciBiYXNpcwojTWF0Y2ggVXNlciBhbm9uY3ZzCiMJWDExRm9yd2FyZGluZyBubwojCUFsbG93VGNwRm9yd2FyZGluZyBubwojCVBlcm1pdFRUWSBubwojCUZvcmNlQ29tbWFuZCBjdnMgc2VydmVyCg==",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin glob /etc/ssh/sshd_config.d/*.conf",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin log /var/log/auth.log",
  "Connection closed by 198.19.27.1 port 40863",
  "Accepted publickey for root from 198.19.27.1 port 59283 ssh2: ED25519 SHA256:ejpAv60oRgCn4qkyf5EoiRCuU+81392WepWmjqp5P8c",
  "Received disconnect from 198.19.27.1 port 59283:11: disconnected by user",
  "Disconnected from user root 198.19.27.1 port 59283",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin log /var/log/fail2ban.log",
  "2026-11-21 15:49:58,904 fail2ban.actions        [53]: NOTICE  [sshd] Ban 198.19.27.1",
  "2026-11-21 15:49:59,157 fail2ban.filter         [53]: INFO    [recidive] Found 198.19.27.1 - 2026-11-21 15:49:58",
  "2026-11-21 15:49:59,179 fail2ban.actions        [53]: NOTICE  [recidive] Ban 198.19.27.1",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin journal",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin user",
  "uid=0(root) gid=0(root) groups=0(root)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin load",
  "2.34 1.73 1.52 5/198 182",
  "",
  "@@remedy-diagnose@@ end 0",
  "",
].join('\n');

// throttled: captured with `remedy diagnose`'s evidence script on a lab host (sshd -T trimmed to the keywords diagnose reads)
const THROTTLED = [
  "@@remedy-diagnose@@ begin whoami",
  "0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin facts",
  "hostname=h2",
  "id=debian",
  "id_like=",
  "version_id=12",
  "kernel=Linux 6.18.44-fc-v669",
  "arch=x86_64",
  "uid=0",
  "user=root",
  "init=sysvinit",
  "sshd=/usr/sbin/sshd",
  "sshd_version=OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026 ",
  "libwrap_in=/usr/sbin/sshd",
  "ssh_version=OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
  "ssh_service=ssh",
  "sudo=1",
  "fail2ban=1",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.allow",
  "IyAvZXRjL2hvc3RzLmFsbG93OiBob3N0cyBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.deny",
  "IyAvZXRjL2hvc3RzLmRlbnk6IGhvc3RzIG5vdCBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin fail2ban",
  "@@remedy-fail2ban@@ begin version",
  "Fail2Ban v1.0.2",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin status",
  "2026-11-21 15:50:00,721 fail2ban                [110]: ERROR   Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?",
  "",
  "@@remedy-fail2ban@@ end 255",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin firewall",
  "@@remedy-firewall@@ begin iptables-version",
  "iptables v1.8.9 (nf_tables)",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin iptables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin ip6tables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin nft",
  "",
  "@@remedy-firewall@@ end 0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin pidfile",
  "/run/sshd.pid 24 alive",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin procs",
  "24 1 sshd: /usr/sbin/sshd -E /var/log/auth.log [listener] 3 of 3-100 startups ",
  "73 24 sshd: [accepted]                       ",
  "74 24 sshd: [accepted]                       ",
  "75 24 sshd: [accepted]                       ",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin listen ss",
  "LISTEN 0      128    0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=24,fd=4))",
  "LISTEN 0      128       [::]:22    [::]:* users:((\"sshd\",pid=24,fd=5))",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin established ss",
  "0      0      198.19.27.11:22 198.19.27.1:41527",
  "0      0      198.19.27.11:22 198.19.27.1:45247",
  "0      0      198.19.27.11:22 198.19.27.1:43717",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin synrecv ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-t",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-T",
  "port 22",
  "listenaddress [::]:22",
  "listenaddress 0.0.0.0:22",
  "logingracetime 120",
  "permitrootlogin without-password",
  "pubkeyauthentication yes",
  "passwordauthentication no",
  "usedns no",
  "kexalgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
  "maxstartups 3:30:100",
  "persourcemaxstartups none",
  "persourcenetblocksize 32:128",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-V",
  "OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin ldd",
  "\tlibwrap.so.0 => /lib/x86_64-linux-gnu/libwrap.so.0 (0x00007f98c8f9b000)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/ssh/sshd_config",
  "TWF4U3RhcnR1cHMgMzozMDoxMDAKIyByZW1lZHkgbGFiOiBwZXItaG9zdCBrZXlzLCByb290IGJ5IGtleSBvbmx5ClBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZApBdXRob3JpemVkS2V5c0ZpbGUgL2V0Yy9zc2gvYXV0aG9yaXplZF9rZXlzLyV1ClBhc3N3b3JkQXV0aGVudGljYXRpb24gbm8KCiMgVGhpcyBpcyB0aGUgc3NoZCBzZXJ2ZXIgc3lzdGVtLXdpZGUgY29uZmlndXJhdGlvbiBmaWxlLiAgU2VlCiMgc3NoZF9jb25maWcoNSkgZm9yIG1vcmUgaW5mb3JtYXRpb24uCgojIFRoaXMgc3NoZCB3YXMgY29tcGlsZWQgd2l0aCBQQVRIPS91c3IvbG9jYWwvYmluOi91c3IvYmluOi9iaW46L3Vzci9nYW1lcwoKIyBUaGUgc3RyYXRlZ3kgdXNlZCBmb3Igb3B0aW9ucyBpbiB0aGUgZGVmYXVsdCBzc2hkX2NvbmZpZyBzaGlwcGVkIHdpdGgKIyBPcGVuU1NIIGlzIHRvIHNwZWNpZnkgb3B0aW9ucyB3aXRoIHRoZWlyIGRlZmF1bHQgdmFsdWUgd2hlcmUKIyBwb3NzaWJsZSwgYnV0IGxlYXZlIHRoZW0gY29tbWVudGVkLiAgVW5jb21tZW50ZWQgb3B0aW9ucyBvdmVycmlkZSB0aGUKIyBkZWZhdWx0IHZhbHVlLgoKSW5jbHVkZSAvZXRjL3NzaC9zc2hkX2NvbmZpZy5kLyouY29uZgoKI1BvcnQgMjIKI0FkZHJlc3NGYW1pbHkgYW55CiNMaXN0ZW5BZGRyZXNzIDAuMC4wLjAKI0xpc3RlbkFkZHJlc3MgOjoKCiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X3JzYV9rZXkKI0hvc3RLZXkgL2V0Yy9zc2gvc3NoX2hvc3RfZWNkc2Ffa2V5CiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X2VkMjU1MTlfa2V5CgojIENpcGhlcnMgYW5kIGtleWluZwojUmVrZXlMaW1pdCBkZWZhdWx0IG5vbmUKCiMgTG9nZ2luZwojU3lzbG9nRmFjaWxpdHkgQVVUSAojTG9nTGV2ZWwgSU5GTwoKIyBBdXRoZW50aWNhdGlvbjoKCiNMb2dpbkdyYWNlVGltZSAybQojUGVybWl0Um9vdExvZ2luIHByb2hpYml0LXBhc3N3b3JkCiNTdHJpY3RNb2RlcyB5ZXMKI01heEF1dGhUcmllcyA2CiNNYXhTZXNzaW9ucyAxMAoKI1B1YmtleUF1dGhlbnRpY2F0aW9uIHllcwoKIyBFeHBlY3QgLnNzaC9hdXRob3JpemVkX2tleXMyIHRvIGJlIGRpc3JlZ2FyZGVkIGJ5IGRlZmF1bHQgaW4gZnV0dXJlLgojQXV0aG9yaXplZEtleXNGaWxlCS5zc2gvYXV0aG9yaXplZF9rZXlzIC5zc2gvYXV0aG9yaXplZF9rZXlzMgoKI0F1dGhvcml6ZWRQcmluY2lwYWxzRmlsZSBub25lCgojQXV0aG9yaXplZEtleXNDb21tYW5kIG5vbmUKI0F1dGhvcml6ZWRLZXlzQ29tbWFuZFVzZXIgbm9ib2R5CgojIEZvciB0aGlzIHRvIHdvcmsgeW91IHdpbGwgYWxzbyBuZWVkIGhvc3Qga2V5cyBpbiAvZXRjL3NzaC9zc2hfa25vd25faG9zdHMKI0hvc3RiYXNlZEF1dGhlbnRpY2F0aW9uIG5vCiMgQ2hhbmdlIHRvIHllcyBpZiB5b3UgZG9uJ3QgdHJ1c3Qgfi8uc3NoL2tub3duX2hvc3RzIGZvcgojIEhvc3RiYXNlZEF1dGhlbnRpY2F0aW9uCiNJZ25vcmVVc2VyS25vd25Ib3N0cyBubwojIERvbid0IHJlYWQgdGhlIHVzZXIncyB+Ly5yaG9zdHMgYW5kIH4vLnNob3N0cyBmaWxlcwojSWdub3JlUmhvc3RzIHllcwoKIyBUbyBkaXNhYmxlIHR1bm5lbGVkIGNsZWFyIHRleHQgcGFzc3dvcmRzLCBjaGFuZ2UgdG8gbm8gaGVyZSEKI1Bhc3N3b3JkQXV0aGVudGljYXRpb24geWVzCiNQZXJtaXRFbXB0eVBhc3N3b3JkcyBubwoKIyBDaGFuZ2UgdG8geWVzIHRvIGVuYWJsZSBjaGFsbGVuZ2UtcmVzcG9uc2UgcGFzc3dvcmRzIChiZXdhcmUgaXNzdWVzIHdpdGgKIyBzb21lIFBBTSBtb2R1bGVzIGFuZCB0aHJlYWRzKQpLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIG5vCgojIEtlcmJlcm9zIG9wdGlvbnMKI0tlcmJlcm9zQXV0aGVudGljYXRpb24gbm8KI0tlcmJlcm9zT3JMb2NhbFBhc3N3ZCB5ZXMKI0tlcmJlcm9zVGlja2V0Q2xlYW51cCB5ZXMKI0tlcmJlcm9zR2V0QUZTVG9rZW4gbm8KCiMgR1NTQVBJIG9wdGlvbnMKI0dTU0FQSUF1dGhlbnRpY2F0aW9uIG5vCiNHU1NBUElDbGVhbnVwQ3JlZGVudGlhbHMgeWVzCiNHU1NBUElTdHJpY3RBY2NlcHRvckNoZWNrIHllcwojR1NTQVBJS2V5RXhjaGFuZ2Ugbm8KCiMgU2V0IHRoaXMgdG8gJ3llcycgdG8gZW5hYmxlIFBBTSBhdXRoZW50aWNhdGlvbiwgYWNjb3VudCBwcm9jZXNzaW5nLAojIGFuZCBzZXNzaW9uIHByb2Nlc3NpbmcuIElmIHRoaXMgaXMgZW5hYmxlZCwgUEFNIGF1dGhlbnRpY2F0aW9uIHdpbGwKIyBiZSBhbGxvd2VkIHRocm91Z2ggdGhlIEtiZEludGVyYWN0aXZlQXV0aGVudGljYXRpb24gYW5kCiMgUGFzc3dvcmRBdXRoZW50aWNhdGlvbi4gIERlcGVuZGluZyBvbiB5b3VyIFBBTSBjb25maWd1cmF0aW9uLAojIFBBTSBhdXRoZW50aWNhdGlvbiB2aWEgS2JkSW50ZXJhY3RpdmVBdXRoZW50aWNhdGlvbiBtYXkgYnlwYXNzCiMgdGhlIHNldHRpbmcgb2YgIlBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZCIuCiMgSWYgeW91IGp1c3Qgd2FudCB0aGUgUEFNIGFjY291bnQgYW5kIHNlc3Npb24gY2hlY2tzIHRvIHJ1biB3aXRob3V0CiMgUEFNIGF1dGhlbnRpY2F0aW9uLCB0aGVuIGVuYWJsZSB0aGlzIGJ1dCBzZXQgUGFzc3dvcmRBdXRoZW50aWNhdGlvbgojIGFuZCBLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIHRvICdubycuClVzZVBBTSB5ZXMKCiNBbGxvd0FnZW50Rm9yd2FyZGluZyB5ZXMKI0FsbG93VGNwRm9yd2FyZGluZyB5ZXMKI0dhdGV3YXlQb3J0cyBubwpYMTFGb3J3YXJkaW5nIHllcwojWDExRGlzcGxheU9mZnNldCAxMAojWDExVXNlTG9jYWxob3N0IHllcwojUGVybWl0VFRZIHllcwpQcmludE1vdGQgbm8KI1ByaW50TGFzdExvZyB5ZXMKI1RDUEtlZXBBbGl2ZSB5ZXMKI1Blcm1pdFVzZXJFbnZpcm9ubWVudCBubwojQ29tcHJlc3Npb24gZGVsYXllZAojQ2xpZW50QWxpdmVJbnRlcnZhbCAwCiNDbGllbnRBbGl2ZUNvdW50TWF4IDMKI1VzZUROUyBubwojUGlkRmlsZSAvcnVuL3NzaGQucGlkCiNNYXhTdGFydHVwcyAxMDozMDoxMDAKI1Blcm1pdFR1bm5lbCBubwojQ2hyb290RGlyZWN0b3J5IG5vbmUKI1ZlcnNpb25BZGRlbmR1bSBub25lCgojIG5vIGRlZmF1bHQgYmFubmVyIHBhdGgKI0Jhbm5lciBub25lCgojIEFsbG93IGNsaWVudCB0byBwYXNzIGxvY2FsZSBlbnZpcm9ubWVudCB2YXJpYWJsZXMKQWNjZXB0RW52IExBTkcgTENfKgoKIyBvdmVycmlkZSBkZWZhdWx0IG9mIG5vIHN1YnN5c3RlbXMKU3Vic3lzdGVtCXNmdHAJL3Vzci9saWIvb3BlbnNzaC9zZnRwLXNlcnZlcgoKIyBFeGFtcGxlIG9mIG92ZXJyaWRpbmcgc2V0dGluZ3Mgb24gYSBwZXItdXNlciBiYXNpcwojTWF0Y2ggVXNlciBhbm9uY3ZzCiMJWDExRm9yd2FyZGluZyBubwojCUFsbG93VGNwRm9yd2FyZGluZyBubwojCVBlcm1pdFRUWSBubwojCUZvcmNlQ29tbWFuZCBjdnMgc2VydmVyCg==",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin glob /etc/ssh/sshd_config.d/*.conf",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin log /var/log/auth.log",
  "Connection closed by 198.19.27.1 port 41849",
  "Accepted publickey for root from 198.19.27.1 port 45505 ssh2: ED25519 SHA256:ejpAv60oRgCn4qkyf5EoiRCuU+81392WepWmjqp5P8c",
  "Received disconnect from 198.19.27.1 port 45505:11: disconnected by user",
  "Disconnected from user root 198.19.27.1 port 45505",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin journal",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin user",
  "uid=0(root) gid=0(root) groups=0(root)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin load",
  "2.34 1.73 1.52 7/198 156",
  "",
  "@@remedy-diagnose@@ end 0",
  "",
].join('\n');

// stopped: captured with `remedy diagnose`'s evidence script on a lab host (sshd -T trimmed to the keywords diagnose reads)
const STOPPED = [
  "@@remedy-diagnose@@ begin whoami",
  "0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin facts",
  "hostname=h3",
  "id=debian",
  "id_like=",
  "version_id=12",
  "kernel=Linux 6.18.44-fc-v669",
  "arch=x86_64",
  "uid=0",
  "user=root",
  "init=sysvinit",
  "sshd=/usr/sbin/sshd",
  "sshd_version=OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026 ",
  "libwrap_in=/usr/sbin/sshd",
  "ssh_version=OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
  "ssh_service=ssh",
  "sudo=1",
  "fail2ban=1",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.allow",
  "IyAvZXRjL2hvc3RzLmFsbG93OiBob3N0cyBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.deny",
  "IyAvZXRjL2hvc3RzLmRlbnk6IGhvc3RzIG5vdCBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin fail2ban",
  "@@remedy-fail2ban@@ begin version",
  "Fail2Ban v1.0.2",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin status",
  "2026-11-21 15:50:01,088 fail2ban                [87]: ERROR   Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?",
  "",
  "@@remedy-fail2ban@@ end 255",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin firewall",
  "@@remedy-firewall@@ begin iptables-version",
  "iptables v1.8.9 (nf_tables)",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin iptables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin ip6tables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin nft",
  "",
  "@@remedy-firewall@@ end 0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin pidfile",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin procs",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin listen ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin established ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin synrecv ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-t",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-T",
  "port 22",
  "listenaddress [::]:22",
  "listenaddress 0.0.0.0:22",
  "logingracetime 120",
  "permitrootlogin without-password",
  "pubkeyauthentication yes",
  "passwordauthentication no",
  "usedns no",
  "kexalgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
  "maxstartups 10:30:100",
  "persourcemaxstartups none",
  "persourcenetblocksize 32:128",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-V",
  "OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin ldd",
  "\tlibwrap.so.0 => /lib/x86_64-linux-gnu/libwrap.so.0 (0x00007f042801f000)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/ssh/sshd_config",
  "IyByZW1lZHkgbGFiOiBwZXItaG9zdCBrZXlzLCByb290IGJ5IGtleSBvbmx5ClBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZApBdXRob3JpemVkS2V5c0ZpbGUgL2V0Yy9zc2gvYXV0aG9yaXplZF9rZXlzLyV1ClBhc3N3b3JkQXV0aGVudGljYXRpb24gbm8KCiMgVGhpcyBpcyB0aGUgc3NoZCBzZXJ2ZXIgc3lzdGVtLXdpZGUgY29uZmlndXJhdGlvbiBmaWxlLiAgU2VlCiMgc3NoZF9jb25maWcoNSkgZm9yIG1vcmUgaW5mb3JtYXRpb24uCgojIFRoaXMgc3NoZCB3YXMgY29tcGlsZWQgd2l0aCBQQVRIPS91c3IvbG9jYWwvYmluOi91c3IvYmluOi9iaW46L3Vzci9nYW1lcwoKIyBUaGUgc3RyYXRlZ3kgdXNlZCBmb3Igb3B0aW9ucyBpbiB0aGUgZGVmYXVsdCBzc2hkX2NvbmZpZyBzaGlwcGVkIHdpdGgKIyBPcGVuU1NIIGlzIHRvIHNwZWNpZnkgb3B0aW9ucyB3aXRoIHRoZWlyIGRlZmF1bHQgdmFsdWUgd2hlcmUKIyBwb3NzaWJsZSwgYnV0IGxlYXZlIHRoZW0gY29tbWVudGVkLiAgVW5jb21tZW50ZWQgb3B0aW9ucyBvdmVycmlkZSB0aGUKIyBkZWZhdWx0IHZhbHVlLgoKSW5jbHVkZSAvZXRjL3NzaC9zc2hkX2NvbmZpZy5kLyouY29uZgoKI1BvcnQgMjIKI0FkZHJlc3NGYW1pbHkgYW55CiNMaXN0ZW5BZGRyZXNzIDAuMC4wLjAKI0xpc3RlbkFkZHJlc3MgOjoKCiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X3JzYV9rZXkKI0hvc3RLZXkgL2V0Yy9zc2gvc3NoX2hvc3RfZWNkc2Ffa2V5CiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X2VkMjU1MTlfa2V5CgojIENpcGhlcnMgYW5kIGtleWluZwojUmVrZXlMaW1pdCBkZWZhdWx0IG5vbmUKCiMgTG9nZ2luZwojU3lzbG9nRmFjaWxpdHkgQVVUSAojTG9nTGV2ZWwgSU5GTwoKIyBBdXRoZW50aWNhdGlvbjoKCiNMb2dpbkdyYWNlVGltZSAybQojUGVybWl0Um9vdExvZ2luIHByb2hpYml0LXBhc3N3b3JkCiNTdHJpY3RNb2RlcyB5ZXMKI01heEF1dGhUcmllcyA2CiNNYXhTZXNzaW9ucyAxMAoKI1B1YmtleUF1dGhlbnRpY2F0aW9uIHllcwoKIyBFeHBlY3QgLnNzaC9hdXRob3JpemVkX2tleXMyIHRvIGJlIGRpc3JlZ2FyZGVkIGJ5IGRlZmF1bHQgaW4gZnV0dXJlLgojQXV0aG9yaXplZEtleXNGaWxlCS5zc2gvYXV0aG9yaXplZF9rZXlzIC5zc2gvYXV0aG9yaXplZF9rZXlzMgoKI0F1dGhvcml6ZWRQcmluY2lwYWxzRmlsZSBub25lCgojQXV0aG9yaXplZEtleXNDb21tYW5kIG5vbmUKI0F1dGhvcml6ZWRLZXlzQ29tbWFuZFVzZXIgbm9ib2R5CgojIEZvciB0aGlzIHRvIHdvcmsgeW91IHdpbGwgYWxzbyBuZWVkIGhvc3Qga2V5cyBpbiAvZXRjL3NzaC9zc2hfa25vd25faG9zdHMKI0hvc3RiYXNlZEF1dGhlbnRpY2F0aW9uIG5vCiMgQ2hhbmdlIHRvIHllcyBpZiB5b3UgZG9uJ3QgdHJ1c3Qgfi8uc3NoL2tub3duX2hvc3RzIGZvcgojIEhvc3RiYXNlZEF1dGhlbnRpY2F0aW9uCiNJZ25vcmVVc2VyS25vd25Ib3N0cyBubwojIERvbid0IHJlYWQgdGhlIHVzZXIncyB+Ly5yaG9zdHMgYW5kIH4vLnNob3N0cyBmaWxlcwojSWdub3JlUmhvc3RzIHllcwoKIyBUbyBkaXNhYmxlIHR1bm5lbGVkIGNsZWFyIHRleHQgcGFzc3dvcmRzLCBjaGFuZ2UgdG8gbm8gaGVyZSEKI1Bhc3N3b3JkQXV0aGVudGljYXRpb24geWVzCiNQZXJtaXRFbXB0eVBhc3N3b3JkcyBubwoKIyBDaGFuZ2UgdG8geWVzIHRvIGVuYWJsZSBjaGFsbGVuZ2UtcmVzcG9uc2UgcGFzc3dvcmRzIChiZXdhcmUgaXNzdWVzIHdpdGgKIyBzb21lIFBBTSBtb2R1bGVzIGFuZCB0aHJlYWRzKQpLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIG5vCgojIEtlcmJlcm9zIG9wdGlvbnMKI0tlcmJlcm9zQXV0aGVudGljYXRpb24gbm8KI0tlcmJlcm9zT3JMb2NhbFBhc3N3ZCB5ZXMKI0tlcmJlcm9zVGlja2V0Q2xlYW51cCB5ZXMKI0tlcmJlcm9zR2V0QUZTVG9rZW4gbm8KCiMgR1NTQVBJIG9wdGlvbnMKI0dTU0FQSUF1dGhlbnRpY2F0aW9uIG5vCiNHU1NBUElDbGVhbnVwQ3JlZGVudGlhbHMgeWVzCiNHU1NBUElTdHJpY3RBY2NlcHRvckNoZWNrIHllcwojR1NTQVBJS2V5RXhjaGFuZ2Ugbm8KCiMgU2V0IHRoaXMgdG8gJ3llcycgdG8gZW5hYmxlIFBBTSBhdXRoZW50aWNhdGlvbiwgYWNjb3VudCBwcm9jZXNzaW5nLAojIGFuZCBzZXNzaW9uIHByb2Nlc3NpbmcuIElmIHRoaXMgaXMgZW5hYmxlZCwgUEFNIGF1dGhlbnRpY2F0aW9uIHdpbGwKIyBiZSBhbGxvd2VkIHRocm91Z2ggdGhlIEtiZEludGVyYWN0aXZlQXV0aGVudGljYXRpb24gYW5kCiMgUGFzc3dvcmRBdXRoZW50aWNhdGlvbi4gIERlcGVuZGluZyBvbiB5b3VyIFBBTSBjb25maWd1cmF0aW9uLAojIFBBTSBhdXRoZW50aWNhdGlvbiB2aWEgS2JkSW50ZXJhY3RpdmVBdXRoZW50aWNhdGlvbiBtYXkgYnlwYXNzCiMgdGhlIHNldHRpbmcgb2YgIlBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZCIuCiMgSWYgeW91IGp1c3Qgd2FudCB0aGUgUEFNIGFjY291bnQgYW5kIHNlc3Npb24gY2hlY2tzIHRvIHJ1biB3aXRob3V0CiMgUEFNIGF1dGhlbnRpY2F0aW9uLCB0aGVuIGVuYWJsZSB0aGlzIGJ1dCBzZXQgUGFzc3dvcmRBdXRoZW50aWNhdGlvbgojIGFuZCBLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIHRvICdubycuClVzZVBBTSB5ZXMKCiNBbGxvd0FnZW50Rm9yd2FyZGluZyB5ZXMKI0FsbG93VGNwRm9yd2FyZGluZyB5ZXMKI0dhdGV3YXlQb3J0cyBubwpYMTFGb3J3YXJkaW5nIHllcwojWDExRGlzcGxheU9mZnNldCAxMAojWDExVXNlTG9jYWxob3N0IHllcwojUGVybWl0VFRZIHllcwpQcmludE1vdGQgbm8KI1ByaW50TGFzdExvZyB5ZXMKI1RDUEtlZXBBbGl2ZSB5ZXMKI1Blcm1pdFVzZXJFbnZpcm9ubWVudCBubwojQ29tcHJlc3Npb24gZGVsYXllZAojQ2xpZW50QWxpdmVJbnRlcnZhbCAwCiNDbGllbnRBbGl2ZUNvdW50TWF4IDMKI1VzZUROUyBubwojUGlkRmlsZSAvcnVuL3NzaGQucGlkCiNNYXhTdGFydHVwcyAxMDozMDoxMDAKI1Blcm1pdFR1bm5lbCBubwojQ2hyb290RGlyZWN0b3J5IG5vbmUKI1ZlcnNpb25BZGRlbmR1bSBub25lCgojIG5vIGRlZmF1bHQgYmFubmVyIHBhdGgKI0Jhbm5lciBub25lCgojIEFsbG93IGNsaWVudCB0byBwYXNzIGxvY2FsZSBlbnZpcm9ubWVudCB2YXJpYWJsZXMKQWNjZXB0RW52IExBTkcgTENfKgoKIyBvdmVycmlkZSBkZWZhdWx0IG9mIG5vIHN1YnN5c3RlbXMKU3Vic3lzdGVtCXNmdHAJL3Vzci9saWIvb3BlbnNzaC9zZnRwLXNlcnZlcgoKIyBFeGFtcGxlIG9mIG92ZXJyaWRpbmcgc2V0dGluZ3Mgb24gYSBwZXItdXNlciBiYXNpcwojTWF0Y2ggVXNlciBhbm9uY3ZzCiMJWDExRm9yd2FyZGluZyBubwojCUFsbG93VGNwRm9yd2FyZGluZyBubwojCVBlcm1pdFRUWSBubwojCUZvcmNlQ29tbWFuZCBjdnMgc2VydmVyCg==",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin glob /etc/ssh/sshd_config.d/*.conf",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin log /var/log/auth.log",
  "Connection closed by 198.19.27.1 port 45109",
  "Accepted publickey for root from 198.19.27.1 port 58803 ssh2: ED25519 SHA256:ejpAv60oRgCn4qkyf5EoiRCuU+81392WepWmjqp5P8c",
  "Received disconnect from 198.19.27.1 port 58803:11: disconnected by user",
  "Disconnected from user root 198.19.27.1 port 58803",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin journal",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin user",
  "uid=0(root) gid=0(root) groups=0(root)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin load",
  "2.34 1.73 1.52 6/198 124",
  "",
  "@@remedy-diagnose@@ end 0",
  "",
].join('\n');

// broken: captured with `remedy diagnose`'s evidence script on a lab host (sshd -T trimmed to the keywords diagnose reads)
const BROKEN = [
  "@@remedy-diagnose@@ begin whoami",
  "0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin facts",
  "hostname=h4",
  "id=debian",
  "id_like=",
  "version_id=12",
  "kernel=Linux 6.18.44-fc-v669",
  "arch=x86_64",
  "uid=0",
  "user=root",
  "init=sysvinit",
  "sshd=/usr/sbin/sshd",
  "sshd_version=OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026 ",
  "libwrap_in=/usr/sbin/sshd",
  "ssh_version=OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
  "ssh_service=ssh",
  "sudo=1",
  "fail2ban=1",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.allow",
  "IyAvZXRjL2hvc3RzLmFsbG93OiBob3N0cyBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/hosts.deny",
  "IyAvZXRjL2hvc3RzLmRlbnk6IGhvc3RzIG5vdCBhbGxvd2VkIHRvIGFjY2VzcyB0aGUgc3lzdGVtIChyZW1lZHkgbGFiOiBubyBydWxlcykK",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin fail2ban",
  "@@remedy-fail2ban@@ begin version",
  "Fail2Ban v1.0.2",
  "",
  "@@remedy-fail2ban@@ end 0",
  "@@remedy-fail2ban@@ begin status",
  "2026-11-21 15:50:01,356 fail2ban                [79]: ERROR   Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?",
  "",
  "@@remedy-fail2ban@@ end 255",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin firewall",
  "@@remedy-firewall@@ begin iptables-version",
  "iptables v1.8.9 (nf_tables)",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin iptables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin ip6tables",
  "-P INPUT ACCEPT",
  "-P FORWARD ACCEPT",
  "-P OUTPUT ACCEPT",
  "",
  "@@remedy-firewall@@ end 0",
  "@@remedy-firewall@@ begin nft",
  "",
  "@@remedy-firewall@@ end 0",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin pidfile",
  "/run/sshd.pid 24 alive",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin procs",
  "24 1 sshd: /usr/sbin/sshd -E /var/log/auth.log [listener] 0 of 10-100 startups ",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin listen ss",
  "LISTEN 0      128    0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=24,fd=4))",
  "LISTEN 0      128       [::]:22    [::]:* users:((\"sshd\",pid=24,fd=5))",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin established ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin synrecv ss",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin sshd-t",
  "/etc/ssh/sshd_config.d/60-broken.conf: line 1: Bad configuration option: NoSuchOption",
  "/etc/ssh/sshd_config.d/60-broken.conf: terminating, 1 bad configuration options",
  "",
  "@@remedy-diagnose@@ end 255",
  "@@remedy-diagnose@@ begin sshd-T",
  "/etc/ssh/sshd_config.d/60-broken.conf: line 1: Bad configuration option: NoSuchOption",
  "/etc/ssh/sshd_config.d/60-broken.conf: terminating, 1 bad configuration options",
  "",
  "@@remedy-diagnose@@ end 255",
  "@@remedy-diagnose@@ begin sshd-V",
  "OpenSSH_9.2, OpenSSL 3.0.19 27 Jan 2026",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin ldd",
  "\tlibwrap.so.0 => /lib/x86_64-linux-gnu/libwrap.so.0 (0x00007fdb83e2b000)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/ssh/sshd_config",
  "IyByZW1lZHkgbGFiOiBwZXItaG9zdCBrZXlzLCByb290IGJ5IGtleSBvbmx5ClBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZApBdXRob3JpemVkS2V5c0ZpbGUgL2V0Yy9zc2gvYXV0aG9yaXplZF9rZXlzLyV1ClBhc3N3b3JkQXV0aGVudGljYXRpb24gbm8KCiMgVGhpcyBpcyB0aGUgc3NoZCBzZXJ2ZXIgc3lzdGVtLXdpZGUgY29uZmlndXJhdGlvbiBmaWxlLiAgU2VlCiMgc3NoZF9jb25maWcoNSkgZm9yIG1vcmUgaW5mb3JtYXRpb24uCgojIFRoaXMgc3NoZCB3YXMgY29tcGlsZWQgd2l0aCBQQVRIPS91c3IvbG9jYWwvYmluOi91c3IvYmluOi9iaW46L3Vzci9nYW1lcwoKIyBUaGUgc3RyYXRlZ3kgdXNlZCBmb3Igb3B0aW9ucyBpbiB0aGUgZGVmYXVsdCBzc2hkX2NvbmZpZyBzaGlwcGVkIHdpdGgKIyBPcGVuU1NIIGlzIHRvIHNwZWNpZnkgb3B0aW9ucyB3aXRoIHRoZWlyIGRlZmF1bHQgdmFsdWUgd2hlcmUKIyBwb3NzaWJsZSwgYnV0IGxlYXZlIHRoZW0gY29tbWVudGVkLiAgVW5jb21tZW50ZWQgb3B0aW9ucyBvdmVycmlkZSB0aGUKIyBkZWZhdWx0IHZhbHVlLgoKSW5jbHVkZSAvZXRjL3NzaC9zc2hkX2NvbmZpZy5kLyouY29uZgoKI1BvcnQgMjIKI0FkZHJlc3NGYW1pbHkgYW55CiNMaXN0ZW5BZGRyZXNzIDAuMC4wLjAKI0xpc3RlbkFkZHJlc3MgOjoKCiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X3JzYV9rZXkKI0hvc3RLZXkgL2V0Yy9zc2gvc3NoX2hvc3RfZWNkc2Ffa2V5CiNIb3N0S2V5IC9ldGMvc3NoL3NzaF9ob3N0X2VkMjU1MTlfa2V5CgojIENpcGhlcnMgYW5kIGtleWluZwojUmVrZXlMaW1pdCBkZWZhdWx0IG5vbmUKCiMgTG9nZ2luZwojU3lzbG9nRmFjaWxpdHkgQVVUSAojTG9nTGV2ZWwgSU5GTwoKIyBBdXRoZW50aWNhdGlvbjoKCiNMb2dpbkdyYWNlVGltZSAybQojUGVybWl0Um9vdExvZ2luIHByb2hpYml0LXBhc3N3b3JkCiNTdHJpY3RNb2RlcyB5ZXMKI01heEF1dGhUcmllcyA2CiNNYXhTZXNzaW9ucyAxMAoKI1B1YmtleUF1dGhlbnRpY2F0aW9uIHllcwoKIyBFeHBlY3QgLnNzaC9hdXRob3JpemVkX2tleXMyIHRvIGJlIGRpc3JlZ2FyZGVkIGJ5IGRlZmF1bHQgaW4gZnV0dXJlLgojQXV0aG9yaXplZEtleXNGaWxlCS5zc2gvYXV0aG9yaXplZF9rZXlzIC5zc2gvYXV0aG9yaXplZF9rZXlzMgoKI0F1dGhvcml6ZWRQcmluY2lwYWxzRmlsZSBub25lCgojQXV0aG9yaXplZEtleXNDb21tYW5kIG5vbmUKI0F1dGhvcml6ZWRLZXlzQ29tbWFuZFVzZXIgbm9ib2R5CgojIEZvciB0aGlzIHRvIHdvcmsgeW91IHdpbGwgYWxzbyBuZWVkIGhvc3Qga2V5cyBpbiAvZXRjL3NzaC9zc2hfa25vd25faG9zdHMKI0hvc3RiYXNlZEF1dGhlbnRpY2F0aW9uIG5vCiMgQ2hhbmdlIHRvIHllcyBpZiB5b3UgZG9uJ3QgdHJ1c3Qgfi8uc3NoL2tub3duX2hvc3RzIGZvcgojIEhvc3RiYXNlZEF1dGhlbnRpY2F0aW9uCiNJZ25vcmVVc2VyS25vd25Ib3N0cyBubwojIERvbid0IHJlYWQgdGhlIHVzZXIncyB+Ly5yaG9zdHMgYW5kIH4vLnNob3N0cyBmaWxlcwojSWdub3JlUmhvc3RzIHllcwoKIyBUbyBkaXNhYmxlIHR1bm5lbGVkIGNsZWFyIHRleHQgcGFzc3dvcmRzLCBjaGFuZ2UgdG8gbm8gaGVyZSEKI1Bhc3N3b3JkQXV0aGVudGljYXRpb24geWVzCiNQZXJtaXRFbXB0eVBhc3N3b3JkcyBubwoKIyBDaGFuZ2UgdG8geWVzIHRvIGVuYWJsZSBjaGFsbGVuZ2UtcmVzcG9uc2UgcGFzc3dvcmRzIChiZXdhcmUgaXNzdWVzIHdpdGgKIyBzb21lIFBBTSBtb2R1bGVzIGFuZCB0aHJlYWRzKQpLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIG5vCgojIEtlcmJlcm9zIG9wdGlvbnMKI0tlcmJlcm9zQXV0aGVudGljYXRpb24gbm8KI0tlcmJlcm9zT3JMb2NhbFBhc3N3ZCB5ZXMKI0tlcmJlcm9zVGlja2V0Q2xlYW51cCB5ZXMKI0tlcmJlcm9zR2V0QUZTVG9rZW4gbm8KCiMgR1NTQVBJIG9wdGlvbnMKI0dTU0FQSUF1dGhlbnRpY2F0aW9uIG5vCiNHU1NBUElDbGVhbnVwQ3JlZGVudGlhbHMgeWVzCiNHU1NBUElTdHJpY3RBY2NlcHRvckNoZWNrIHllcwojR1NTQVBJS2V5RXhjaGFuZ2Ugbm8KCiMgU2V0IHRoaXMgdG8gJ3llcycgdG8gZW5hYmxlIFBBTSBhdXRoZW50aWNhdGlvbiwgYWNjb3VudCBwcm9jZXNzaW5nLAojIGFuZCBzZXNzaW9uIHByb2Nlc3NpbmcuIElmIHRoaXMgaXMgZW5hYmxlZCwgUEFNIGF1dGhlbnRpY2F0aW9uIHdpbGwKIyBiZSBhbGxvd2VkIHRocm91Z2ggdGhlIEtiZEludGVyYWN0aXZlQXV0aGVudGljYXRpb24gYW5kCiMgUGFzc3dvcmRBdXRoZW50aWNhdGlvbi4gIERlcGVuZGluZyBvbiB5b3VyIFBBTSBjb25maWd1cmF0aW9uLAojIFBBTSBhdXRoZW50aWNhdGlvbiB2aWEgS2JkSW50ZXJhY3RpdmVBdXRoZW50aWNhdGlvbiBtYXkgYnlwYXNzCiMgdGhlIHNldHRpbmcgb2YgIlBlcm1pdFJvb3RMb2dpbiBwcm9oaWJpdC1wYXNzd29yZCIuCiMgSWYgeW91IGp1c3Qgd2FudCB0aGUgUEFNIGFjY291bnQgYW5kIHNlc3Npb24gY2hlY2tzIHRvIHJ1biB3aXRob3V0CiMgUEFNIGF1dGhlbnRpY2F0aW9uLCB0aGVuIGVuYWJsZSB0aGlzIGJ1dCBzZXQgUGFzc3dvcmRBdXRoZW50aWNhdGlvbgojIGFuZCBLYmRJbnRlcmFjdGl2ZUF1dGhlbnRpY2F0aW9uIHRvICdubycuClVzZVBBTSB5ZXMKCiNBbGxvd0FnZW50Rm9yd2FyZGluZyB5ZXMKI0FsbG93VGNwRm9yd2FyZGluZyB5ZXMKI0dhdGV3YXlQb3J0cyBubwpYMTFGb3J3YXJkaW5nIHllcwojWDExRGlzcGxheU9mZnNldCAxMAojWDExVXNlTG9jYWxob3N0IHllcwojUGVybWl0VFRZIHllcwpQcmludE1vdGQgbm8KI1ByaW50TGFzdExvZyB5ZXMKI1RDUEtlZXBBbGl2ZSB5ZXMKI1Blcm1pdFVzZXJFbnZpcm9ubWVudCBubwojQ29tcHJlc3Npb24gZGVsYXllZAojQ2xpZW50QWxpdmVJbnRlcnZhbCAwCiNDbGllbnRBbGl2ZUNvdW50TWF4IDMKI1VzZUROUyBubwojUGlkRmlsZSAvcnVuL3NzaGQucGlkCiNNYXhTdGFydHVwcyAxMDozMDoxMDAKI1Blcm1pdFR1bm5lbCBubwojQ2hyb290RGlyZWN0b3J5IG5vbmUKI1ZlcnNpb25BZGRlbmR1bSBub25lCgojIG5vIGRlZmF1bHQgYmFubmVyIHBhdGgKI0Jhbm5lciBub25lCgojIEFsbG93IGNsaWVudCB0byBwYXNzIGxvY2FsZSBlbnZpcm9ubWVudCB2YXJpYWJsZXMKQWNjZXB0RW52IExBTkcgTENfKgoKIyBvdmVycmlkZSBkZWZhdWx0IG9mIG5vIHN1YnN5c3RlbXMKU3Vic3lzdGVtCXNmdHAJL3Vzci9saWIvb3BlbnNzaC9zZnRwLXNlcnZlcgoKIyBFeGFtcGxlIG9mIG92ZXJyaWRpbmcgc2V0dGluZ3Mgb24gYSBwZXItdXNlciBiYXNpcwojTWF0Y2ggVXNlciBhbm9uY3ZzCiMJWDExRm9yd2FyZGluZyBubwojCUFsbG93VGNwRm9yd2FyZGluZyBubwojCVBlcm1pdFRUWSBubwojCUZvcmNlQ29tbWFuZCBjdnMgc2VydmVyCg==",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin glob /etc/ssh/sshd_config.d/*.conf",
  "/etc/ssh/sshd_config.d/60-broken.conf",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin file /etc/ssh/sshd_config.d/60-broken.conf",
  "Tm9TdWNoT3B0aW9uIHllcwo=",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin log /var/log/auth.log",
  "Connection closed by 198.19.27.1 port 41059",
  "Accepted publickey for root from 198.19.27.1 port 47751 ssh2: ED25519 SHA256:ejpAv60oRgCn4qkyf5EoiRCuU+81392WepWmjqp5P8c",
  "Received disconnect from 198.19.27.1 port 47751:11: disconnected by user",
  "Disconnected from user root 198.19.27.1 port 47751",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin journal",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin user",
  "uid=0(root) gid=0(root) groups=0(root)",
  "",
  "@@remedy-diagnose@@ end 0",
  "@@remedy-diagnose@@ begin load",
  "2.34 1.73 1.52 11/198 122",
  "",
  "@@remedy-diagnose@@ end 0",
  "",
].join('\n');

const PROC_NET_TCP = [
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ",
  "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 506527 1 00000000fe3585df 100 0 0 10 0                    ",
  "   1: 0B1B13C6:0016 011B13C6:A237 01 00000000:00000000 02:000AFBB9 00000000     0        0 506569 2 000000002b96f318 20 0 0 11 -1                    ",
  "   2: 0B1B13C6:0016 011B13C6:B0BF 01 00000000:00000000 02:000AFBB9 00000000     0        0 506573 2 000000004d819380 20 0 0 11 -1                    ",
  "   3: 0B1B13C6:0016 011B13C6:AAC5 01 00000000:00000000 02:000AFBBA 00000000     0        0 506565 2 0000000013e2a815 20 0 0 11 -1                    ",
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 506528 1 0000000070e14a5e 100 0 0 10 0",
].join('\n');

function vantage(outcome: VantageOutcome, extra: Partial<Vantage> = {}): Vantage {
  return {
    target: { host: '198.19.27.10', port: 22, address: '198.19.27.10', user: 'root' },
    from: CLIENT,
    resolve: { ok: true, ms: 0, skipped: true },
    probes: [],
    phase: outcome === 'ok' ? 'ok' : 'banner',
    outcome,
    dropped: 0,
    summary: `(${outcome})`,
    timings: { totalMs: 1 },
    ...extra,
  };
}

const input = (output: string, outcome: VantageOutcome, extra: Partial<Vantage> = {}): VerdictInput => ({
  host: 'h', clientIp: CLIENT, user: 'root', port: 22, vantage: vantage(outcome, extra), evidence: parseEvidence(output),
  paths: [{ path: 'bind 198.19.27.2', ok: true, ms: 90 }],
});

describe('evidence script', () => {
  const script = evidenceScript({ clientIp: CLIENT, user: 'root', port: 22 });

  it('has every section, each probe in a subshell with stdin closed', () => {
    for (const s of ['whoami', 'facts', 'fail2ban', 'firewall', 'pidfile', 'procs', 'listen ss', 'sshd-t', 'sshd-T', 'ldd', 'user', 'load']) {
      expect(script).toContain(`b ${s}`);
    }
    expect(script).toContain('rf /etc/hosts.allow; rf /etc/hosts.deny');
    expect(script).toContain('cf /etc/ssh/sshd_config');
    expect(script).toMatch(/b fail2ban; \(\n[\s\S]*?\n\) <\/dev\/null 2>&1; e \$\?/);
    expect(script).toContain(`C=${CLIENT}; U=root; P=22`);
  });

  it('quotes what it is given', () => {
    const s = evidenceScript({ clientIp: '::1', user: "o'brien", port: 2222 });
    expect(s).toContain(`C=::1; U='o'\\''brien'; P=2222`);
  });

  it('writes nothing: no redirection into a file, no temp files, no signals, no service commands', () => {
    const text = script + EVIDENCE_COMMAND;
    const redirects = [...text.matchAll(/(?<![0-9&<])>{1,2}\s*([^\s;|&)]+)/g)].map((m) => m[1]);
    expect(redirects.filter((r) => r !== '/dev/null' && r !== '&1' && !r!.startsWith('&'))).toEqual([]);
    expect(text).not.toMatch(/\b(mktemp|rm -|mv |tee |kill |chmod |chown |touch |truncate |sed -i|install -)/);
    expect(text).not.toMatch(/\b(systemctl|service \S+|rc-service \S+) (start|stop|restart|reload)\b/);
    expect(text).not.toMatch(/\b(iptables|ip6tables) -[ADIFXNRP]\b|\bnft (add|delete|flush|insert)\b|fail2ban-client (set|unban|reload|stop|start)\b/);
  });
});

describe('parseEvidence on captured output', () => {
  it('reads a host with a deny rule, two fail2ban bans and a firewall REJECT', () => {
    const ev = parseEvidence(WRAPPED);
    expect(ev.problems).toEqual([]);
    expect(ev.uid).toBe(0);
    expect(ev.facts).toMatchObject({ hostname: 'h1', libwrap: true, sshdPath: '/usr/sbin/sshd', opensshVersion: '9.2.0', fail2ban: true });
    expect(ev.files.get('/etc/hosts.deny')).toEqual({ state: 'file', text: expect.stringContaining(`sshd: ${CLIENT}\n`) });
    expect(ev.files.get('/etc/ssh/sshd_config')).toEqual({ state: 'file', text: expect.stringContaining('Include /etc/ssh/sshd_config.d/*.conf') });
    expect(ev.globs.get('/etc/ssh/sshd_config.d/*.conf')).toEqual([]);
    expect(ev.fail2ban).toMatchObject({ installed: true, running: true, version: '1.0.2', jails: ['recidive', 'sshd'] });
    expect(ev.fail2ban.banned).toEqual({ sshd: [CLIENT], recidive: [CLIENT] });
    expect(ev.firewall.iptables?.variant).toBe('nf_tables');
    expect(ev.firewall.iptables?.rules?.text).toContain(`-A INPUT -s ${CLIENT}/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset`);
    expect(ev.sshd.pidfile).toEqual({ path: '/run/sshd.pid', pid: 24, alive: true });
    expect(ev.sshd.listener?.pid).toBe(24);
    expect(ev.sshd.startupsTitle).toEqual({ now: 0, start: 10, full: 100 });
    expect(ev.socketSource).toBe('ss');
    expect(ev.listening.map((r) => `${r.local.addr}:${r.local.port} ${r.pid}`)).toEqual(['0.0.0.0:22 24', ':::22 24']);
    expect(ev.sshdTest).toEqual({ rc: 0, output: '' });
    expect(ev.sshdEffective?.values.get('maxstartups')).toEqual(['10:30:100']);
    expect(ev.libwrapLine).toMatch(/^libwrap\.so\.0 => /);
    expect(ev.userGroups).toEqual(['root']);
    const f2blog = ev.logs.find((l) => l.source === '/var/log/fail2ban.log');
    expect(f2blog?.lines.some((l) => l.includes(`[sshd] Ban ${CLIENT}`))).toBe(true);
  });

  it('reads a host whose MaxStartups start is reached by held connections', () => {
    const ev = parseEvidence(THROTTLED);
    expect(ev.sshd.startupsTitle).toEqual({ now: 3, start: 3, full: 100 });
    expect(ev.sshd.preauth.map((p) => p.cmdline)).toEqual(['sshd: [accepted]', 'sshd: [accepted]', 'sshd: [accepted]']);
    expect(ev.established.filter((r) => r.peer?.addr === CLIENT)).toHaveLength(3);
    expect(ev.sshdEffective?.values.get('maxstartups')).toEqual(['3:30:100']);
    expect(ev.files.get('/etc/ssh/sshd_config')).toEqual({ state: 'file', text: expect.stringMatching(/^MaxStartups 3:30:100\n/) });
  });

  it('reads a host whose sshd is stopped', () => {
    const ev = parseEvidence(STOPPED);
    expect(ev.sshd.pidfile).toBeUndefined();
    expect(ev.sshd.listener).toBeUndefined();
    expect(ev.sshd.processes).toEqual([]);
    expect(ev.listening).toEqual([]);
    expect(ev.socketSource).toBe('ss');
  });

  it('reads a host whose configuration fails sshd -t', () => {
    const ev = parseEvidence(BROKEN);
    expect(ev.sshdTest?.rc).toBe(255);
    expect(ev.sshdTest?.output).toContain('/etc/ssh/sshd_config.d/60-broken.conf: line 1: Bad configuration option: NoSuchOption');
    expect(ev.sshdEffective?.rc).toBe(255);
    expect(ev.globs.get('/etc/ssh/sshd_config.d/*.conf')).toEqual(['/etc/ssh/sshd_config.d/60-broken.conf']);
    expect(ev.files.get('/etc/ssh/sshd_config.d/60-broken.conf')).toEqual({ state: 'file', text: 'NoSuchOption yes\n' });
  });

  it('never throws on garbage and says what is missing', () => {
    expect(parseEvidence('').problems).toEqual(['the evidence script printed no sections']);
    const cut = WRAPPED.slice(0, WRAPPED.indexOf('@@remedy-diagnose@@ begin firewall') + 60);
    const ev = parseEvidence(cut);
    expect(ev.facts.hostname).toBe('h1');
    expect(ev.listening).toEqual([]);
  });
});

describe('the verdict on captured evidence', () => {
  it('deny rule + two bans + REJECT, client refused at TCP: fail2ban first, then firewall, then tcp_wrappers', () => {
    const f = findings(input(WRAPPED, 'tcp_refused'));
    expect(f.map((x) => x.id)).toEqual(['fail2ban', 'firewall', 'tcp_wrappers']);
    expect(f[0]!.evidence).toEqual(expect.arrayContaining([
      `fail2ban jail sshd bans ${CLIENT} (fail2ban-client status sshd)`,
      `fail2ban jail recidive bans ${CLIENT} (fail2ban-client status recidive)`,
    ]));
    expect(f[1]!.evidence[0]).toBe(`iptables chain INPUT rule 1: -A INPUT -s ${CLIENT}/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset — names this client`);
    expect(f[2]!.evidence[0]).toMatch(new RegExp(`^/etc/hosts\\.deny:2: sshd: ${CLIENT.replace(/\./g, '\\.')} — matched in hosts\\.deny, names this client`));
    for (const x of f) expect(x.fix).toBe(`remedy apply playbooks/unblock.yml -l h -e client_ip=${CLIENT}`);
  });

  it('the same host seen with a delayed reset: tcp_wrappers first', () => {
    expect(findings(input(WRAPPED, 'reset_after_delay'))[0]!.id).toBe('tcp_wrappers');
  });

  it('held connections at start: maxstartups, even when the client drew a login that got through', () => {
    for (const outcome of ['ok', 'closed_at_once', 'maxstartups_message'] as const) {
      const f = findings(input(THROTTLED, outcome));
      expect(f[0]!.id, outcome).toBe('maxstartups');
      expect(f[0]!.evidence).toEqual(expect.arrayContaining([
        'MaxStartups 3:30:100 at /etc/ssh/sshd_config:1',
        'unauthenticated connections now: 3 (sshd\'s listener title "[listener] 3 of 3-100 startups") — start 3, full 100: a new connection is dropped with probability 30%',
      ]));
      expect(f[0]!.fix).toBe('remedy apply playbooks/raise-maxstartups.yml -l h');
    }
  });

  it('sshd stopped (evidence over another way in): sshd_not_running', () => {
    const f = findings(input(STOPPED, 'tcp_refused'));
    expect(f[0]!.id).toBe('sshd_not_running');
    expect(f[0]!.evidence).toEqual(['nothing listens on TCP port 22 (ss -tlnp)', 'no /run/sshd.pid', 'no sshd listener process']);
    expect(f[0]!.fix).toBe('remedy apply playbooks/restore-sshd.yml -l h');
  });

  it('a broken drop-in while the login still works: sshd_config_invalid, with file:line', () => {
    const f = findings(input(BROKEN, 'ok'));
    expect(f.map((x) => x.id)).toEqual(['sshd_config_invalid']);
    expect(f[0]!.evidence[0]).toBe('/etc/ssh/sshd_config.d/60-broken.conf:1: Bad configuration option: NoSuchOption');
    expect(f[0]!.fix).toMatch(/^correct \/etc\/ssh\/sshd_config\.d\/60-broken\.conf:1 .* then remedy apply playbooks\/restore-sshd\.yml -l h/);
  });
});

describe('socket and process tables', () => {
  it('splits host:port tokens', () => {
    expect(splitHostPort('[::ffff:10.0.0.1]:22')).toEqual({ addr: '10.0.0.1', port: 22 });
    expect(splitHostPort('0.0.0.0%lo:22')).toEqual({ addr: '0.0.0.0', port: 22 });
    expect(splitHostPort('*:*')).toBeUndefined();
  });

  it('reads ss rows with and without a state column', () => {
    expect(parseSsRows('LISTEN 0      128    0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=24,fd=4))')).toEqual([
      { local: { addr: '0.0.0.0', port: 22 }, process: 'users:(("sshd",pid=24,fd=4))', pid: 24 },
    ]);
    expect(parseSsRows('0      0      198.19.27.11:22 198.19.27.1:41527')).toEqual([
      { local: { addr: '198.19.27.11', port: 22 }, peer: { addr: '198.19.27.1', port: 41527 } },
    ]);
  });

  it('reads /proc/net/tcp and tcp6 when ss is absent (captured with 3 held connections)', () => {
    const t = parseProcNetTcp(PROC_NET_TCP);
    expect(t.listening.map((r) => `${r.local.addr}:${r.local.port}`)).toEqual(['0.0.0.0:22', ':::22']);
    expect(t.established.map((r) => `${r.local.addr}:${r.local.port} ${r.peer?.addr}`)).toEqual([
      '198.19.27.11:22 198.19.27.1', '198.19.27.11:22 198.19.27.1', '198.19.27.11:22 198.19.27.1',
    ]);
  });

  it('reads sshd -T and id', () => {
    const m = parseSshdT('port 22\nlistenaddress 0.0.0.0:22\nlistenaddress [::]:22\ndenyusers root@1.2.3.4\n');
    expect(m.get('listenaddress')).toEqual(['0.0.0.0:22', '[::]:22']);
    expect(m.get('denyusers')).toEqual(['root@1.2.3.4']);
    expect(parseIdGroups('uid=1000(ann) gid=1000(ann) groups=1000(ann),27(sudo),100(users)')).toEqual(['ann', 'sudo', 'users']);
  });
});
