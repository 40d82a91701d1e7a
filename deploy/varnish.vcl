vcl 4.1;
# The front cache (Varnish from Debian's packages) between the balancer and the app servers: it keeps the
# public pages the app marks for it and serves them without waking an app server, until the app bans them
# all (any public change) or the time the app gave runs out (the end of the day: citations name it).
# deploy/cluster fills in the ports. The balancer reaches it on a PROXY-protocol listener, so that it sees
# each reader's own address; the app servers send their bans to a plain listener named "ban".

import std;

# The balancer's internal side, which spreads what this cache does not hold over the app servers.
backend balancer {
    .host = "127.0.0.1";
    .port = "@INNER@";
    .connect_timeout = 2s;
    # A long export streams for a while (as the balancer's own `timeout server`).
    .first_byte_timeout = 120s;
    .between_bytes_timeout = 120s;
}

# Who may ban: the app servers (on several machines, their private addresses).
acl app_servers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "BAN") {
        if (local.socket != "ban" || client.ip !~ app_servers) {
            return (synth(405, "Not allowed"));
        }
        # Everything: a public change can show on any page (counts, facets, feeds, the sitemap).
        ban("obj.status != 0");
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff (and anyone with a session: someone signing in) are never served a kept page, nor a client
    # that authenticates itself.
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Other cookies (the language chosen) stay on the request: the app says with Vary where they matter.
    # A public page's language is in its address, never taken from the browser's: one copy serves all.
    unset req.http.Accept-Language;
    return (hash);
}

sub vcl_backend_response {
    # Kept only what the app marks for this cache (a complete public page, at most a few megabytes), for as
    # long as the app says; everything else goes to the app each time.
    if (beresp.status == 200 && !beresp.http.Set-Cookie && beresp.http.Surrogate-Control ~ "max-age=[0-9]+"
        && std.integer(beresp.http.Content-Length, 10000000) < 10000000) {
        set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1s"), 0s);
        set beresp.grace = 0s;
        unset beresp.http.Surrogate-Control;
        return (deliver);
    }
    unset beresp.http.Surrogate-Control;
    set beresp.uncacheable = true;
    set beresp.ttl = 60s;
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        # The request id of the request that fetched it names another request: a kept page has none.
        unset resp.http.X-Request-Id;
        set resp.http.X-Front-Cache = "hit";
    } else {
        set resp.http.X-Front-Cache = "miss";
    }
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
