-- wrk script: POST the same 2 KB JSON body the other measurements send.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"pad":"' .. string.rep("x", 2048 - 10) .. '"}'
