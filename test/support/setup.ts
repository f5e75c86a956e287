// @peculiar/x509 needs the Reflect metadata polyfill before its first import.
import 'reflect-metadata'
