"""The FastAPI reference of bench/server_bench.py: the same answers held ready in dicts, served by
uvicorn (uvloop, httptools). Reads XUKE_REF_DATA, a JSON file {"licences": {number: body},
"domains": {host: body}, "companies": {fragment: body}}; each body is sent as it is, so the
reference spends nothing on encoding. Run only by server_bench.py:

  XUKE_REF_DATA=FILE /usr/bin/python3 -m uvicorn fastapi_ref:app --app-dir bench --loop uvloop \
      --http httptools --host 127.0.0.1 --port PORT
"""
import json
import os

from fastapi import FastAPI, Response

with open(os.environ['XUKE_REF_DATA'], encoding='utf-8') as f:
    _data = json.load(f)
LICENCES = {k: v.encode() for k, v in _data['licences'].items()}
DOMAINS = {k: v.encode() for k, v in _data['domains'].items()}
COMPANIES = {k: v.encode() for k, v in _data['companies'].items()}
del _data

app = FastAPI()


def _answer(body):
    if body is None:
        return Response(status_code=404)
    return Response(content=body, media_type='application/json')


@app.get('/v1/licenses/{number}')
async def licence(number: str):
    return _answer(LICENCES.get(number))


@app.get('/v1/domains/{host}')
async def domain(host: str):
    return _answer(DOMAINS.get(host))


@app.get('/v1/licenses')
async def licences(company: str = ''):
    return _answer(COMPANIES.get(company))
