"""The Alibaba Cloud Codeup v3 face (seed 001): webhook API in its JSON/XML envelope, Codeup deliveries."""
