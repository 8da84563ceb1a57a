//! A per-(account, region) limiter that holds LookupEvents close to its 2 calls/s quota.
