-- POST variant of the peer's lua/bench.lua: sets the method, a JSON body and its content
-- type, then loads the peer's script unchanged (TOKEN and EXPECT work as there).
--   PEER_LUA (env) path of the peer's lua/bench.lua
--   BODY     (env) the JSON body sent with every request
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
dofile(os.getenv("PEER_LUA"))
