package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gorgonia-zoo/zoo/loader"
	"github.com/gorgonia-zoo/zoo/zoo"
)

// dataset is one -dataset value resolved: a catalog entry, or (folder.Dir
// set) a folder of one's own.
type dataset struct {
	entry  loader.Entry
	folder loader.Folder
}

// name names the dataset in messages and plans: the catalog name or the
// folder as given (a folder's records carry a name with a fingerprint of
// its files, known once it is read).
func (d dataset) name() string {
	if d.folder.Dir != "" {
		return d.folder.Dir
	}
	return d.entry.Name
}

// selectDatasets resolves each -dataset value: a catalog name, or else a
// folder. A value with a path separator is always a folder ("./mnist" is
// the folder).
func (o *options) selectDatasets(values []string, set map[string]bool) error {
	folderFlags := set["train-images"] || set["train-labels"] || set["test-images"] || set["test-labels"] || set["classes"]
	seen := map[string]bool{}
	for _, v := range values {
		d, err := o.selectDataset(v, set, folderFlags)
		if err != nil {
			return err
		}
		if seen[d.name()] {
			return fmt.Errorf("dataset %s is given twice", d.name())
		}
		seen[d.name()] = true
		o.datasets = append(o.datasets, d)
	}
	return nil
}

func (o *options) selectDataset(v string, set map[string]bool, folderFlags bool) (dataset, error) {
	if !strings.ContainsAny(v, `/\`) {
		if e, err := loader.Lookup(v); err == nil {
			if folderFlags {
				return dataset{}, fmt.Errorf("-train-images, -train-labels, -test-images, -test-labels and -classes describe a folder given to -dataset DIR, not the catalog's %s", e.Name)
			}
			return dataset{entry: e}, nil
		}
	}
	if st, err := os.Stat(v); err != nil || !st.IsDir() {
		return dataset{}, fmt.Errorf("unknown dataset %q: not in the catalog (%s) and not a folder", v, strings.Join(loader.Names(), ", "))
	}
	if set["data"] {
		return dataset{}, errors.New("-data is where a catalog dataset's files are; -dataset DIR names the folder already")
	}
	if o.folder.Classes < 0 || o.folder.Classes == 1 || o.folder.Classes > 256 {
		return dataset{}, fmt.Errorf("-classes must be in 2..256, got %d", o.folder.Classes)
	}
	f := o.folder
	f.Dir = v
	return dataset{folder: f}, nil
}

// maxRetries bounds -download-retries: more only delays the next mirror.
const maxRetries = 100

// setDownload takes -download-idle-timeout and -download-retries when given
// (a flag beats the environment, which beats the defaults) and, when a
// catalog dataset is selected, checks the environment's settings now rather
// than when a download starts.
func (o *options) setDownload(idle time.Duration, retries int, set map[string]bool) error {
	if set["download-idle-timeout"] {
		if idle < 0 {
			return fmt.Errorf("-download-idle-timeout must not be negative, got %s (0: never)", idle)
		}
		// 0 is "none" on the command line, "not set" in loader.Options.
		o.idleTimeout = cmp.Or(idle, -1)
	}
	if set["download-retries"] {
		if retries < 0 || retries > maxRetries {
			return fmt.Errorf("-download-retries must be 0 to %d, got %d", maxRetries, retries)
		}
		o.retries = cmp.Or(retries, -1)
	}
	for _, d := range o.datasets {
		if d.folder.Dir == "" {
			_, _, err := o.loaderOptions(nil, nil).DownloadSettings()
			return err
		}
	}
	return nil
}

// budget is -max-data as the loader takes it: 0 (no limit on the command
// line) becomes -1, which the loader reads as no limit.
func (o *options) budget() int64 {
	if o.maxData == 0 {
		return -1
	}
	return o.maxData
}

// loaderOptions are the options of loader.Load for the flags.
func (o *options) loaderOptions(logf func(string, ...any), progress func(file string, done, total int64)) loader.Options {
	return loader.Options{Dir: o.data, Logf: logf, MaxBytes: o.budget(), IdleTimeout: o.idleTimeout, Retries: o.retries, Progress: progress}
}

// loadDataset reads the dataset within the -max-data budget; logf and
// progress, if set, follow the search and the downloads.
func (o *options) loadDataset(ctx context.Context, d dataset, logf func(string, ...any), progress func(file string, done, total int64)) (*loader.Split, error) {
	var (
		data *loader.Split
		err  error
	)
	if d.folder.Dir != "" {
		f := d.folder
		f.MaxBytes = o.budget()
		data, err = loader.LoadFolder(ctx, f)
	} else {
		data, err = loader.Load(ctx, d.entry, o.loaderOptions(logf, progress))
	}
	var be *loader.BudgetError
	if errors.As(err, &be) {
		err = fmt.Errorf("%w (-max-data raises the budget)", err)
	}
	return data, err
}

// input is what models are built for on a dataset; a folder is read to
// know it.
func (o *options) input(ctx context.Context, d dataset) (zoo.Input, error) {
	if d.folder.Dir == "" {
		e := d.entry
		return zoo.Input{Channels: e.Channels, Height: e.Height, Width: e.Width, Classes: e.Classes}, nil
	}
	data, err := o.loadDataset(ctx, d, nil, nil)
	if err != nil {
		return zoo.Input{}, err
	}
	return zoo.InputOf(data.Train), nil
}
