#!/usr/bin/env bash
# A second moto server, on 127.0.0.1:5006, for the Step Functions and Lambda
# tests (shop-stepfunctions, shop-lambda-steps): once a Lambda function
# exists in a moto, its /moto-api/data.json answers 500, and the SES tests
# read sent mail there on 5005.
exec bash "$(dirname "$0")/moto.sh" 5006
