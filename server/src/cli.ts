console.error('dvs: not built yet'); process.exit(2);
