-- A second database for Rasa's tracker store, beside the hub's (POSTGRES_DB).
CREATE DATABASE tandem_rasa OWNER tandem;
